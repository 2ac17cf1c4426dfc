/**
 * `logs TARGET [-f] [--tail N] [--since DURATION] [--previous] [--timestamps] [--container C]`
 * (docs/contract.md §3), parsed strictly: an unknown flag or a bad value is an error, not a guess.
 */
import { PodgateError } from '../errors/index.ts';
import { parseDurationSeconds } from './duration.ts';

export interface LogsArgs {
  target: string;
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  previous: boolean;
  timestamps: boolean;
  container?: string;
}

const LOGS_USAGE = 'usage: logs TARGET [-f] [--tail N] [--since DURATION] [--previous] [--timestamps] [--container C]';

function bad(message: string): PodgateError {
  return new PodgateError('UNSUPPORTED', `logs: ${message}; ${LOGS_USAGE}`);
}

export function parseLogsArgs(words: string[]): LogsArgs {
  const out: LogsArgs = { target: '', follow: false, previous: false, timestamps: false };
  const targets: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const flag = eq > 0 ? w.slice(0, eq) : w;
    const value = (): string => {
      if (eq > 0) return w.slice(eq + 1);
      const v = words[++i];
      if (v === undefined) throw bad(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-f': case '--follow': out.follow = true; break;
      case '-p': case '--previous': out.previous = true; break;
      case '--timestamps': out.timestamps = true; break;
      case '--tail': {
        const v = value();
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw bad(`--tail takes a number of lines, not "${v}"`);
        out.tailLines = Number(v);
        break;
      }
      case '--since': {
        const v = value();
        const s = parseDurationSeconds(v);
        if (s === null) throw bad(`--since takes a duration such as 30s, 5m or 1h, not "${v}"`);
        out.sinceSeconds = s;
        break;
      }
      case '-c': case '--container': out.container = value(); break;
      default:
        if (w.startsWith('-')) throw bad(`unknown option "${w}"`);
        targets.push(w);
    }
  }
  if (targets.length !== 1) throw bad(targets.length === 0 ? 'no TARGET given' : `one TARGET only, got ${targets.length}`);
  out.target = targets[0]!;
  return out;
}
