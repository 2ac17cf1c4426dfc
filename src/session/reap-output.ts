import type { ReapReport } from './reaper-types.ts';

/** What the in-container reap script printed, parsed (see reap-kill-script.ts for the lines). */
export interface ReapOutput {
  found: ReapReport['found'];
  /** null when the script printed no outcome line (it did not finish). */
  outcome: 'none' | 'term' | 'kill' | null;
  /** Processes still alive when the script ended (D state, or a KILL that has not landed). */
  left: number;
  /** `missing`: no marker (never written, or the fs was read-only); `invalid`: unreadable. */
  marker: 'found' | 'missing' | 'invalid';
  /** The script's own refusal (`bad-session-id`), if any. */
  error?: string;
}

export function parseReapOutput(text: string): ReapOutput {
  const out: ReapOutput = { found: [], outcome: null, left: 0, marker: 'found' };
  for (const line of text.split('\n')) {
    const kind = line.slice(0, 2);
    const rest = line.slice(2);
    if (kind === 'F ') {
      const sp = rest.indexOf(' ');
      const pid = Number(sp < 0 ? rest : rest.slice(0, sp));
      if (Number.isSafeInteger(pid) && pid > 0) out.found.push({ pid, args: sp < 0 ? '' : rest.slice(sp + 1).trimEnd() });
    } else if (kind === 'O ') {
      if (rest === 'none' || rest === 'term' || rest === 'kill') out.outcome = rest;
    } else if (kind === 'L ') {
      const n = Number(rest);
      if (Number.isSafeInteger(n) && n >= 0) out.left = n;
    } else if (kind === 'M ') {
      if (rest === 'missing' || rest === 'invalid') out.marker = rest;
    } else if (kind === 'E ') {
      out.error = rest;
    }
  }
  return out;
}
