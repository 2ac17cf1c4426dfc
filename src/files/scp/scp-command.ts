/**
 * Legacy scp (`scp -O`) arrives as an exec request whose text OpenSSH's scp builds as
 *   "scp" [" -v"] [" -r"] [" -p"] [" -d"] (" -t" | " -f") " " ["-- "] PATH
 * (scp.c: `snprintf(cmd, "scp%s%s%s%s", …)` then `"%s -t %s%s"` / `"%s -f %s%s"`, with "-- "
 * only before a PATH starting with "-"). PATH is what the user typed after `host:`, unquoted by
 * scp: the remote shell was meant to read it as ONE word. podgate never hands this text to a
 * shell. It reads exactly that argv, with PATH as one shell word made only of plain
 * characters, '…' and "…" quoting (no `$` or backquote inside) and backslash escapes, plus a
 * leading `~` or `~/` (the home directory). Anything else (more words, `;`, `&`, `|`, `$(`,
 * backquotes, redirections, globs, newlines, other options) is not legacy scp: it is an
 * arbitrary command, which needs allow.shell and runs as any other command would.
 */
export interface ScpCommand {
  mode: 'sink' | 'source';
  recursive: boolean;
  preserve: boolean;
  /** -d: the target must be a directory. */
  targetIsDir: boolean;
  verbose: boolean;
  /**
   * The remote path, unquoted (binary string). With `fromHome`, relative to the home
   * directory (a leading `~` or `~/` was given); else as given (relative paths start in home).
   */
  path: string;
  fromHome: boolean;
}

/** Plain characters a word may hold outside quotes (bytes >= 0x80 too: UTF-8 names). */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]$/;
const FLAGS = new Map<string, 'verbose' | 'recursive' | 'preserve' | 'targetIsDir' | 'sink' | 'source'>([
  ['-v', 'verbose'], ['-r', 'recursive'], ['-p', 'preserve'], ['-d', 'targetIsDir'], ['-t', 'sink'], ['-f', 'source'],
]);

interface Word { text: string; quoted: boolean; tilde: boolean }

/** Splits into shell words, or null when any character would make the shell do more. */
function strictWords(command: string): Word[] | null {
  const words: Word[] = [];
  let i = 0;
  const n = command.length;
  while (i < n) {
    while (i < n && (command[i] === ' ' || command[i] === '\t')) i++;
    if (i >= n) break;
    let text = '';
    let quoted = false;
    let tilde = false;
    if (command[i] === '~' && (i + 1 >= n || command[i + 1] === '/' || command[i + 1] === ' ' || command[i + 1] === '\t')) {
      tilde = true;
      i++;
    }
    while (i < n && command[i] !== ' ' && command[i] !== '\t') {
      const c = command[i];
      if (c === "'") {
        const end = command.indexOf("'", i + 1);
        if (end < 0) return null;
        text += command.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else if (c === '"') {
        i++;
        for (;;) {
          if (i >= n) return null;
          const d = command[i];
          if (d === '"') break;
          if (d === '$' || d === '`') return null;
          if (d === '\\' && i + 1 < n && '$`"\\'.includes(command[i + 1])) {
            text += command[i + 1];
            i += 2;
            continue;
          }
          text += d;
          i++;
        }
        quoted = true;
        i++;
      } else if (c === '\\') {
        if (i + 1 >= n) return null;
        text += command[i + 1];
        quoted = true;
        i += 2;
      } else if (PLAIN.test(c) || c.charCodeAt(0) >= 0x80) {
        text += c;
        i++;
      } else {
        return null;
      }
    }
    words.push({ text, quoted, tilde });
  }
  // One line, one NUL-free argv: no newline may hide a second command anywhere.
  if (/[\n\r\0]/.test(command)) return null;
  return words;
}

/** Reads `scp [-v] [-r] [-p] [-d] -t|-f [--] PATH`; null when the command is anything else. */
export function parseScpCommand(command: string): ScpCommand | null {
  const words = strictWords(command);
  if (words === null || words.length < 3) return null;
  const [scp, ...rest] = words;
  if (scp.text !== 'scp' || scp.quoted || scp.tilde) return null;
  const seen = new Set<string>();
  let i = 0;
  for (; i < rest.length - 1; i++) {
    const w = rest[i];
    if (w.quoted || w.tilde) return null;
    if (w.text === '--') { i++; break; }
    const flag = FLAGS.get(w.text);
    if (flag === undefined || seen.has(flag)) return null;
    seen.add(flag);
  }
  if (i !== rest.length - 1) return null;
  if (seen.has('sink') === seen.has('source')) return null;
  const p = rest[i];
  // A path that starts with "-" must come after "--" (OpenSSH always sends it so).
  if (!p.tilde && p.text.startsWith('-') && rest[i - 1]?.text !== '--') return null;
  if (!p.tilde && p.text === '') return null;
  return {
    mode: seen.has('sink') ? 'sink' : 'source',
    recursive: seen.has('recursive'), preserve: seen.has('preserve'), targetIsDir: seen.has('targetIsDir'), verbose: seen.has('verbose'),
    path: p.tilde ? p.text.replace(/^\/+/, '') : p.text, fromHome: p.tilde,
  };
}
