/**
 * `play ID [--speed N]`, parsed strictly: one ID, an optional speed multiplier (0 < N <= 1000,
 * as `--speed N` or `--speed=N`), nothing else. The ID's shape is checked where it becomes a
 * path (cast-reader.ts).
 */
import { PodgateError } from '../errors/index.ts';

export interface PlayArgs {
  id: string;
  speed: number;
}

const USAGE = 'usage: play ID [--speed N]';
const MAX_SPEED = 1000;

function bad(message: string): PodgateError {
  return new PodgateError('UNSUPPORTED', `play: ${message}; ${USAGE}`);
}

export function parsePlayArgs(words: string[]): PlayArgs {
  const ids: string[] = [];
  let speed = 1;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--speed' || w.startsWith('--speed=')) {
      const value = w === '--speed' ? words[++i] : w.slice('--speed='.length);
      const n = value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (!(n > 0 && n <= MAX_SPEED)) throw bad(`--speed takes a number above 0, at most ${MAX_SPEED}`);
      speed = n;
    } else if (w.startsWith('-')) {
      throw bad('unknown option');
    } else {
      ids.push(w);
    }
  }
  if (ids.length !== 1) throw bad(ids.length === 0 ? 'which recording?' : 'one recording at a time');
  return { id: ids[0], speed };
}
