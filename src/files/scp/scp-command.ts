/** A legacy `scp -t` (sink) / `scp -f` (source) exec request, as OpenSSH's scp -O sends it. */
export interface ScpCommand {
  mode: 'sink' | 'source';
  recursive: boolean;
  preserve: boolean;
  /** -d: the target must be a directory. */
  targetIsDir: boolean;
  /** The remote path after shell-style unquoting (binary string). */
  path: string;
}

/** Undoes the shell quoting a remote path may carry ('…', "…", backslashes). */
export function shellUnquote(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return out + s.slice(i + 1);
      out += s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1]!)) i++;
        out += s[i];
        i++;
      }
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[++i];
    } else {
      out += c;
    }
  }
  return out;
}

/** Parses `scp [-v] [-r] [-p] [-d] -t|-f [--] PATH`; null when it is not one. */
export function parseScpCommand(command: string): ScpCommand | null {
  const m = /^\s*scp((?:\s+-[a-zA-Z]+)+)\s+(?:--\s+)?(.*?)\s*$/s.exec(command);
  if (m === null) return null;
  const flags = m[1]!.replace(/[\s-]/g, '');
  const sink = flags.includes('t');
  const source = flags.includes('f');
  if (sink === source) return null;
  if (/[^vrpdtf]/.test(flags)) return null;
  const path = shellUnquote(m[2]!);
  if (path === '') return null;
  return { mode: sink ? 'sink' : 'source', recursive: flags.includes('r'), preserve: flags.includes('p'), targetIsDir: flags.includes('d'), path };
}
