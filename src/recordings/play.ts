/**
 * `ssh -t USER@bastion play ID [--speed N]`: plays a recording in the user's terminal with its
 * own timing, divided by the speed; a pause longer than IDLE_CAP_SECONDS is shortened to it (as
 * `asciinema play -i 2`). `q` or Ctrl-C stops. Without a PTY the recorded output is printed
 * raw, without timing (as `asciinema cat`), so `ssh USER@bastion play ID > out` exports it.
 *
 * Who may play it: the user it recorded, and users whose policy allows `recordings` within
 * their namespaces (./access.ts). Each play is an audit event (RECORDING_PLAYED).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PodgateError } from '../errors/index.ts';
import { terminalSafe } from '../errors/terminal-safe.ts';
import { emit } from '../events/emit.ts';
import { decisionError } from '../policy/index.ts';
import { recordingAccess } from './access.ts';
import type { ConsoleContext, HandlerOutcome } from '../session/extensions.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { openRecording, type OpenRecording } from './cast-reader.ts';
import { parsePlayArgs } from './play-args.ts';

/** The longest pause played back (seconds of the recording, before the speed divides it). */
const IDLE_CAP_SECONDS = 2;
/** Pauses shorter than this are gathered and slept together. */
const MIN_SLEEP_SECONDS = 0.01;
const CTRL_C = 0x03;
const Q = 0x71;
const Q_UPPER = 0x51;

/** Resolves once the channel may take more (drain), or the playback is stopped. */
function drained(ch: SessionChannel, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      ch.off('drain', done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    ch.once('drain', done);
    stop.addEventListener('abort', done, { once: true });
  });
}

async function play(ch: SessionChannel, rec: OpenRecording, speed: number, timed: boolean, stop: AbortSignal): Promise<number> {
  let bytes = 0;
  let previous = 0;
  let owed = 0;
  for await (const ev of rec.events()) {
    if (stop.aborted) break;
    owed += Math.min(Math.max(ev.time - previous, 0), IDLE_CAP_SECONDS) / speed;
    previous = ev.time;
    if (ev.type !== 'o') continue;
    if (timed && owed >= MIN_SLEEP_SECONDS) {
      await sleep(owed * 1000, undefined, { signal: stop }).catch(() => undefined);
      if (stop.aborted) break;
    }
    owed = 0;
    bytes += Buffer.byteLength(ev.data);
    if (!ch.write(ev.data)) await drained(ch, stop);
  }
  return bytes;
}

export async function runPlay(ch: SessionChannel, ctx: ConsoleContext, words: string[]): Promise<HandlerOutcome> {
  const args = parsePlayArgs(words);
  const dir = ctx.config.recordings.dir;
  if (dir === undefined) throw new PodgateError('RECORDING_NOT_FOUND', 'recordings are off on this bastion');
  const rec = await openRecording(dir, args.id);
  try {
    const access = recordingAccess(ctx.user, rec.header);
    if (!access.allowed) throw decisionError(access.decision) ?? new PodgateError('POLICY_DENIED');
    const timed = ctx.pty !== null;
    emit(ctx.logger, { code: 'RECORDING_PLAYED', connId: ctx.connId, user: ctx.user.name, recording: rec.id, owner: rec.header.owner, as: access.as, speed: args.speed, pty: timed }, 'recording played');

    const stopper = new AbortController();
    const stop = (): void => stopper.abort();
    ctx.closed.addEventListener('abort', stop, { once: true });
    if (timed) {
      // A `q` alone (a key press), not one inside a terminal's answer to a query the
      // recording makes (cursor position, device attributes), which arrives as input too.
      ch.on('data', (d: Buffer) => {
        if (d.includes(CTRL_C) || (d.length === 1 && (d[0] === Q || d[0] === Q_UPPER))) stop();
      });
      const { width, height, timestamp, title, owner } = rec.header;
      const when = timestamp === null ? '' : `, recorded ${new Date(timestamp * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`;
      // The header is a file's text: shown inert, like every message podgate writes.
      ch.stderr.write(`podgate: playing ${rec.id} (${terminalSafe(title ?? owner ?? 'unknown')}, ${width}x${height}${when}); q or Ctrl-C stops\r\n`);
    }
    const bytesOut = await play(ch, rec, args.speed, timed, stopper.signal);
    ctx.closed.removeEventListener('abort', stop);
    await finishChannel(ch, 0, timed ? `\r\npodgate: ${stopper.signal.aborted ? 'playback stopped' : 'end of recording'}\r\n` : undefined);
    return { exitCode: 0, bytesOut };
  } finally {
    await rec.close();
  }
}
