import type { Duplex } from 'node:stream';
import type { PodExecutor } from '../kube/types.ts';
import type { ExecTarget } from './pod-fs/exec-target.ts';
import { startMarkedExec, type MarkedExec } from './marker-exec.ts';
import type { FileOpSink } from './file-op-audit.ts';
import { SftpTap, type TapViolation } from './sftp/sftp-tap.ts';

const MARKER = 'PODGATE-SFTP-SERVER\n';
/** After a protocol violation: how long the server gets to answer what it was given. */
const DRAIN_MS = 5000;

/**
 * Finds the container's own sftp-server and execs it, in one exec: it prints MARKER just
 * before `exec`ing the server, or exits 97 when there is none.
 */
export const PROBE_SCRIPT = [
  'for p in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/lib/sftp-server /usr/libexec/sftp-server; do',
  `  if [ -x "$p" ]; then printf '${MARKER.trim()}\\n'; exec "$p"; fi`,
  'done',
  `if p=$(command -v sftp-server 2>/dev/null) && [ -x "$p" ]; then printf '${MARKER.trim()}\\n'; exec "$p"; fi`,
  'exit 97',
].join('\n');

export type Passthrough = MarkedExec;

/** Starts the probe; resolves with the running sftp-server, or null when the container has none. */
export function startSftpServer(executor: PodExecutor, target: ExecTarget, argv: string[]): Promise<Passthrough | null> {
  return startMarkedExec(executor, target, argv, MARKER.trim());
}

/**
 * Pipes the subsystem channel to the container's sftp-server both ways, with backpressure,
 * watching the conversation for FILE_OP events. Resolves with the server's exit code (255
 * after a protocol violation). A client request that reuses the id of one still outstanding
 * would let a reply be audited as another request's: that request is never passed on,
 * `onViolation` is told, and the session ends once the server has answered every request it
 * was given before (the tap still audits those answers). Only then does the server get EOF:
 * OpenSSH's sftp-server exits at EOF without writing the replies it still holds, so EOF sent
 * with the last requests lost their answers about one time in three. A server that does not
 * answer within DRAIN_MS (blocked on a FIFO, say) gets EOF anyway, and is dropped DRAIN_MS later.
 */
export async function bridgeSftpServer(channel: Duplex, p: Passthrough, onFileOp: FileOpSink, onViolation: (v: TapViolation) => void = () => undefined): Promise<{ exitCode: number; bytesIn: number; bytesOut: number }> {
  const { exec } = p;
  const tap = new SftpTap(onFileOp);
  let bytesIn = 0;
  let bytesOut = p.leftover.length;
  exec.stderr?.resume();
  exec.stderr?.on('error', () => { /* ignored */ });
  if (p.leftover.length > 0) { tap.server.push(p.leftover); channel.write(p.leftover); }
  const stdin = exec.stdin;
  stdin?.on('error', () => { /* done reports it */ });
  let stopped = false;
  let drainTimer: NodeJS.Timeout | undefined;
  /** After a violation: EOF once every request passed on has its answer on the way out. */
  const endWhenAnswered = (): void => {
    if (!stopped || drainTimer === undefined || !tap.answered) return;
    clearTimeout(drainTimer);
    drainTimer = undefined;
    stdin?.end();
  };
  // Registered before the pipe: a chunk is audited, then written to the channel.
  exec.stdout.on('data', (c: Buffer) => { bytesOut += c.length; tap.server.push(c); endWhenAnswered(); });
  exec.stdout.pipe(channel, { end: false });
  channel.on('data', (c: Buffer) => {
    if (stopped) return;
    const at = bytesIn;
    bytesIn += c.length;
    // The tap sees each chunk before the server does, so an offending packet (framed once its
    // last byte, or a WRITE's head, is in this chunk) never reaches the server whole.
    tap.client.push(c);
    if (tap.violation !== null) {
      stopped = true;
      // What came before the offending packet is passed on; the server answers it, then EOF.
      const keep = tap.violation.offset - at;
      if (keep > 0) stdin?.write(c.subarray(0, keep));
      onViolation(tap.violation);
      drainTimer = setTimeout(() => {
        drainTimer = undefined;
        stdin?.end();
        setTimeout(() => { exec.abort(); }, DRAIN_MS).unref();
      }, DRAIN_MS);
      drainTimer.unref();
      endWhenAnswered();
      return;
    }
    if (stdin !== null && !stdin.write(c)) {
      channel.pause();
      stdin.once('drain', () => { channel.resume(); });
    }
  });
  channel.once('end', () => { if (!stopped) stdin?.end(); });
  const onClose = (): void => { exec.abort(); };
  channel.once('close', onClose);
  const outcome = await exec.done;
  clearTimeout(drainTimer);
  channel.off('close', onClose);
  exec.stdout.unpipe(channel);
  const exitCode = 'error' in outcome || stopped ? 255 : outcome.exitCode;
  return { exitCode, bytesIn, bytesOut };
}
