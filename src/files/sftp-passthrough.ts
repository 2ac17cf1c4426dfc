import type { Duplex } from 'node:stream';
import type { PodExecutor } from '../kube/types.ts';
import type { ExecTarget } from './pod-fs/exec-target.ts';
import { startMarkedExec, type MarkedExec } from './marker-exec.ts';
import type { FileOpSink } from './file-op-audit.ts';
import { SftpTap, type TapViolation } from './sftp/sftp-tap.ts';

const MARKER = 'PODGATE-SFTP-SERVER\n';

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
 * would let a reply be audited as another request's: that request is never passed on, the
 * server gets EOF (it answers what it already has, which the tap still audits), `onViolation`
 * is told, and the session ends.
 */
export async function bridgeSftpServer(channel: Duplex, p: Passthrough, onFileOp: FileOpSink, onViolation: (v: TapViolation) => void = () => undefined): Promise<{ exitCode: number; bytesIn: number; bytesOut: number }> {
  const { exec } = p;
  const tap = new SftpTap(onFileOp);
  let bytesIn = 0;
  let bytesOut = p.leftover.length;
  exec.stderr?.resume();
  exec.stderr?.on('error', () => { /* ignored */ });
  if (p.leftover.length > 0) { tap.server.push(p.leftover); channel.write(p.leftover); }
  exec.stdout.on('data', (c: Buffer) => { bytesOut += c.length; tap.server.push(c); });
  exec.stdout.pipe(channel, { end: false });
  const stdin = exec.stdin;
  stdin?.on('error', () => { /* done reports it */ });
  let stopped = false;
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
      stdin?.end(keep > 0 ? c.subarray(0, keep) : undefined);
      onViolation(tap.violation);
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
  channel.off('close', onClose);
  exec.stdout.unpipe(channel);
  const exitCode = 'error' in outcome || stopped ? 255 : outcome.exitCode;
  return { exitCode, bytesIn, bytesOut };
}
