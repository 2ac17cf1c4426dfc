/**
 * Helpers for the forwarding suites: a free local port, an `ssh -N -L/-D` client kept running
 * in the background (killed by `stop`, and by the suite's afterAll), and a TCP round trip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { sshArgs, waitFor, type SshEndpoint } from './helpers/ssh.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface BackgroundSsh {
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

const running = new Set<BackgroundSsh>();

/** Kills every background client still running (call from afterAll). */
export async function stopAllBackground(): Promise<void> {
  await Promise.all([...running].map((b) => b.stop()));
}

/** `ssh -N <forwardArgs> sshUser@bastion`, running until `stop()`. */
export function background(ep: SshEndpoint, sshUser: string, forwardArgs: string[], opts: { logLevel?: string } = {}): BackgroundSsh {
  const argv = sshArgs(ep, sshUser, [], { extraArgs: ['-N', '-o', 'ExitOnForwardFailure=yes', ...forwardArgs] })
    .map((a) => (a === 'LogLevel=ERROR' && opts.logLevel ? `LogLevel=${opts.logLevel}` : a));
  const child = spawn('/usr/bin/ssh', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => { err += c; });
  child.on('error', () => undefined);
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const b: BackgroundSsh = {
    child,
    stderr: () => err,
    stop: async () => {
      running.delete(b);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  running.add(b);
  return b;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitListening(port: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(() => new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }), `listener on ${port}`, timeoutMs);
}

export interface RoundTrip {
  received: Buffer;
  closedByPeer: boolean;
}

/**
 * Connects, writes `data`, reads until `expect` bytes came back (then closes) or the peer
 * closes; never half-closes (port-forward has no half-close).
 */
export function roundTrip(port: number, data: Buffer, expect: number, timeoutMs = 120_000): Promise<RoundTrip> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let done = false;
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => finish(new Error(`timeout after ${got} bytes`)), timeoutMs);
    const finish = (err: Error | null, closedByPeer = false): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve({ received: Buffer.concat(chunks), closedByPeer });
    };
    // A reset is the peer closing too (OpenSSH resets the local socket of a refused channel).
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? finish(null, true) : finish(e)));
    s.on('connect', () => { if (data.length > 0) s.write(data); });
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= expect) finish(null);
    });
    s.on('close', () => finish(null, true));
  });
}

/** Runs the OpenSSH client with extra environment (DISPLAY, SSH_AUTH_SOCK) and LogLevel INFO. */
export function sshWithEnv(ep: SshEndpoint, sshUser: string, args: string[], extraArgs: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = sshArgs(ep, sshUser, args, { extraArgs }).map((a) => (a === 'LogLevel=ERROR' ? 'LogLevel=INFO' : a));
  return new Promise((resolve, reject) => {
    const c = spawn('/usr/bin/ssh', argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    c.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    c.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    c.on('error', (e) => { clearTimeout(timer); reject(e); });
    c.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
