/**
 * pods/exec over SPDY/3.1, as the kubelet serves it (remotecommand's httpstream path) behind the
 * API server's upgrade-aware proxy: the `X-Stream-Protocol-Version` handshake, `101 Switching
 * Protocols` with `Upgrade: SPDY/3.1`, then one SPDY stream per channel created by the client
 * (header `streamtype`: error, stdin, stdout, stderr, resize), each answered with a SYN_REPLY.
 * The command starts once every expected stream exists; its status is written on the error
 * stream (v4: a metav1.Status), then every stream and the connection are closed. When the client
 * goes away the process gets stdin EOF (a PTY: nothing) and no signal, as on the WebSocket path.
 *
 * SPDY framing is podgate's own (spdy-session.ts; only the SPDY/3 header dictionary comes from
 * `spdy-transport`); kubectl's side is moby/spdystream.
 */
import { randomBytes } from 'node:crypto';
import { execStartError, launchCommand, lookupError } from './container-context.ts';
import type { ExecRequestContext } from './exec-session.ts';
import { internalErrorStatus, nonZeroExitStatus, successStatus } from './exec-status.ts';
import { startPipeProcess, startPtyProcess, type ExecProcess } from './exec-process.ts';
import { ResizeParser } from './resize-parser.ts';
import { acceptSpdy, type SpdyStream } from './spdy-conn.ts';

/** The kubelet's SPDY remotecommand protocols, newest first. */
const SPDY_EXEC_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** How long the kubelet waits for the client to create every stream (streamCreationTimeout). */
const STREAM_CREATION_MS = 30_000;

/** What the WebSocket path gets, less what SPDY does not use (the WebSocket server, the path, faults). */
export type SpdyExecContext = Pick<ExecRequestContext, 'req' | 'socket' | 'head' | 'container' | 'containerName' | 'opts'>;

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

export function handleSpdyExecUpgrade(c: SpdyExecContext): void {
  c.socket.on('error', () => undefined);
  const accepted = acceptSpdy(c.req, c.socket, c.head, SPDY_EXEC_PROTOCOLS);
  if (!accepted) return;
  const { conn, protocol } = accepted;
  const { opts } = c;
  const expected: StreamType[] = ['error'];
  if (opts.stdin) expected.push('stdin');
  if (opts.stdout) expected.push('stdout');
  if (opts.stderr && !opts.tty) expected.push('stderr');
  if (opts.tty && protocol !== 'v2.channel.k8s.io' && protocol !== 'channel.k8s.io') expected.push('resize');
  const streams = new Map<StreamType, SpdyStream>();
  const timer = setTimeout(() => conn.destroy(), STREAM_CREATION_MS);
  conn.onStream((stream) => {
    const type = String(stream.headers.streamtype ?? '') as StreamType;
    stream.on('error', () => undefined);
    if (!expected.includes(type) || streams.has(type)) {
      stream.respond(400, {});
      stream.destroy();
      return;
    }
    stream.respond(200, {});
    streams.set(type, stream);
    if (streams.size === expected.length) {
      clearTimeout(timer);
      void runExec(c, streams, protocol, () => conn.destroy()).catch(() => conn.destroy());
    }
  });
  conn.onClose(() => clearTimeout(timer));
}

async function runExec(c: SpdyExecContext, streams: Map<StreamType, SpdyStream>, protocol: string, closeConn: () => void): Promise<void> {
  const { opts } = c;
  const errStream = streams.get('error')!;
  const stdin = streams.get('stdin');
  const stdout = streams.get('stdout');
  const stderr = streams.get('stderr');
  const v1 = protocol === 'channel.k8s.io' || protocol === 'v2.channel.k8s.io' || protocol === 'v3.channel.k8s.io';
  const finish = (status: string): void => {
    // v1–v3 write only an error's text; v4 writes a metav1.Status, Success included.
    const body = v1 ? (JSON.parse(status) as { status: string; message?: string }) : null;
    const text = v1 ? (body!.status === 'Success' ? '' : body!.message ?? '') : status;
    const done = (): void => {
      for (const s of streams.values()) s.end();
      setTimeout(closeConn, 50).unref();
    };
    if (text === '') done();
    else errStream.write(Buffer.from(text), done);
  };
  const container = c.container;
  if (!container?.running) {
    finish(internalErrorStatus(`container not found ("${c.containerName}")`));
    return;
  }
  const lookup = await lookupError(container.ctx, opts.command[0]);
  if (lookup) {
    finish(internalErrorStatus(execStartError(randomBytes(32).toString('hex'), lookup)));
    return;
  }
  const cmd = launchCommand(container.ctx, opts.command, { tty: opts.tty });
  let proc: ExecProcess | null = null;
  const handlers = {
    onStdout: (d: Buffer) => { if (stdout && !stdout.write(d)) pauseUntilDrain(stdout); },
    onStderr: (d: Buffer) => { if (stderr && !stderr.write(d)) pauseUntilDrain(stderr); },
    onDone: (code: number) => finish(code === 0 ? successStatus() : nonZeroExitStatus(code, opts.command, 'kubelet')),
  };
  const pauseUntilDrain = (s: SpdyStream): void => {
    proc?.pause();
    s.once('drain', () => proc?.resume());
  };
  try {
    proc = opts.tty
      ? startPtyProcess(cmd, { cols: 80, rows: 24 }, handlers)
      : startPipeProcess(cmd, { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr }, handlers);
  } catch (e) {
    finish(internalErrorStatus(execStartError(randomBytes(32).toString('hex'), e instanceof Error ? e.message : String(e))));
    return;
  }
  const p = proc;
  if (stdin) {
    stdin.on('data', (d: Buffer) => {
      if (!p.writeStdin(d)) {
        stdin.pause();
        p.onStdinDrain(() => stdin.resume());
      }
    });
    stdin.on('end', () => p.endStdin());
  }
  const resize = streams.get('resize');
  if (resize) {
    const parser = new ResizeParser();
    resize.on('data', (d: Buffer) => {
      for (const s of parser.push(d)) p.resize(s.width, s.height);
    });
  }
  // The connection is gone: stdin EOF (nothing under a PTY), no signal; output drains into nothing.
  errStream.on('close', () => { if (!opts.tty) p.endStdin(); p.resume(); });
}
