/**
 * Ends a session channel so that OpenSSH reports the right exit status (notes/ssh2-server.md
 * §1): everything written to stdout and stderr is flushed first, then exit-status, then
 * EOF+CLOSE. `exit()` after `end()` is silently dropped by ssh2 (the client then returns 255),
 * and ending stderr without waiting loses whatever exceeds one window.
 */
import type { SessionChannel } from './types.ts';

function isOpen(ch: SessionChannel): boolean {
  return !ch.destroyed && ch.writable;
}

/**
 * Waits until everything written to the channel's stdout so far has gone out (or the channel
 * went away). An empty write is a flush marker: Writable runs writes in order and ssh2 calls an
 * empty write's callback at once. ('drain' is no signal: it only fires after a write returned
 * false, so a buffer below the high-water mark would be waited for forever.)
 */
function stdoutFlushed(ch: SessionChannel): Promise<void> {
  if (!isOpen(ch) || ch.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      ch.off('close', done);
      resolve();
    };
    ch.once('close', done); // ssh2 drops write callbacks once the channel is closed
    ch.write(Buffer.alloc(0), done);
  });
}

/** stderr.end() and wait for it to finish (or the channel to close). */
function stderrFinished(ch: SessionChannel, text?: string): Promise<void> {
  return new Promise((resolve) => {
    if (ch.stderr.writableFinished) return resolve();
    const onClose = (): void => resolve();
    ch.once('close', onClose);
    const finish = (): void => {
      ch.off('close', onClose);
      resolve();
    };
    if (ch.stderr.writableEnded) ch.stderr.once('finish', finish);
    else if (text !== undefined) ch.stderr.end(text, finish);
    else ch.stderr.end(finish);
  });
}

/**
 * Flushes, sends exit-status `code`, then closes. `stderrText` (e.g. a `podgate: ...` line) is
 * written last on stderr. Safe to call when the client already closed the channel.
 */
const finishing = new WeakSet<SessionChannel>();

export async function finishChannel(ch: SessionChannel, code: number, stderrText?: string): Promise<void> {
  // Only the first call decides the exit status; later ones (a timeout racing an exit) no-op.
  if (!isOpen(ch) || finishing.has(ch)) return;
  finishing.add(ch);
  await stdoutFlushed(ch);
  await stderrFinished(ch, stderrText);
  if (!isOpen(ch)) return;
  try {
    ch.exit(code);
  } catch {
    /* the channel closed between the checks */
  }
  ch.end();
}
