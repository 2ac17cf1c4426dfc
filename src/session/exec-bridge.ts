/**
 * Bridges an SSH session channel to a Kubernetes exec, with backpressure both ways (pipe:
 * ssh2 withholds window adjusts while exec.stdin is full, and exec.stdout pauses while the
 * SSH window is closed) and the exit order OpenSSH needs (finishChannel). Knows neither ssh2
 * nor client-node: only the SessionChannel and ExecSession interfaces.
 */
import type { ExecOutcome, ExecSession } from '../kube/types.ts';
import type { SessionChannel } from '../ssh/types.ts';

export interface BridgeResult {
  outcome: ExecOutcome;
  /** Bytes from the client to the container (stdin). */
  bytesIn: number;
  /** Bytes from the container to the client (stdout + stderr). */
  bytesOut: number;
}

export interface BridgeHooks {
  /** Any byte in either direction (idle timeout). */
  onActivity?: () => void;
}

export async function bridgeExec(ch: SessionChannel, exec: ExecSession, hooks: BridgeHooks = {}): Promise<BridgeResult> {
  let bytesIn = 0;
  let bytesOut = 0;
  const activity = hooks.onActivity ?? (() => {});

  const stdin = exec.stdin;
  // Under a TTY (no separate stderr, see ExecSession) the client's EOF is not passed on, as
  // sshd does nothing with EOF on a PTY: a runtime detaches a TTY exec's output when its stdin
  // closes (containerd), so `ssh -tt host cmd </dev/null` would print nothing. The session
  // ends the stream when the process exits or the channel closes.
  const tty = exec.stderr === null;
  if (stdin) {
    stdin.on('error', () => { /* the process may exit before reading its input */ });
    ch.on('data', (d: Buffer) => {
      bytesIn += d.length;
      activity();
    });
    ch.pipe(stdin, { end: !tty }); // without a TTY, ends stdin on the client's EOF
  } else {
    ch.resume();
  }
  const countOut = (d: Buffer): void => {
    bytesOut += d.length;
    activity();
  };
  exec.stdout.on('data', countOut);
  exec.stdout.on('error', () => {});
  exec.stdout.pipe(ch, { end: false });
  if (exec.stderr) {
    exec.stderr.on('data', countOut);
    exec.stderr.on('error', () => {});
    exec.stderr.pipe(ch.stderr, { end: false });
  }
  // When the client goes away, stop feeding a dead channel (the stream itself is aborted by
  // the session, which owns the exec).
  ch.once('close', () => {
    exec.stdout.unpipe(ch);
    exec.stderr?.unpipe(ch.stderr);
    if (stdin) ch.unpipe(stdin);
  });
  const outcome = await exec.done;
  return { outcome, bytesIn, bytesOut };
}
