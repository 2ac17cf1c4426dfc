/**
 * pods/exec over WebSocket, as the kubelet (v1/v4, base64 variants) or the API server's v5
 * StreamTranslator serves it. The wire: binary `[channel]+payload`, an initial empty frame on the
 * lowest writable channel, status on channel 3, then a normal close. When the client goes away,
 * the process gets stdin EOF (a PTY: nothing) and no signal, as with containerd. Under a TTY,
 * stdin EOF (v5 CLOSE) detaches the output as containerd's exec IO does (cri/io/exec_io.go:
 * with Tty, the end of the stdin copy closes stdout and stderr): the process runs on, unheard.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { execStartError, launchCommand, lookupError } from './container-context.ts';
import type { Container } from './container.ts';
import { internalErrorStatus, nonZeroExitMessage, nonZeroExitStatus, successStatus } from './exec-status.ts';
import { startPipeProcess, startPtyProcess, type ExecProcess } from './exec-process.ts';
import { ResizeParser } from './resize-parser.ts';
import { rejectUpgrade, upgrade } from './upgrade.ts';
import { WsSender } from './ws-sender.ts';
import { decodeFrame, KUBELET_EXEC_PROTOCOLS, negotiate, offeredProtocols, TRANSLATOR_EXEC_PROTOCOLS, type Negotiated } from './ws-protocols.ts';
import type { ExecStreamOptions, StreamPath } from './types.ts';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface ExecRequestContext {
  wss: WebSocketServer;
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  /** null when the container does not exist or is not running. */
  container: Container | null;
  containerName: string;
  opts: ExecStreamOptions;
  path: StreamPath;
  dropAfterMs: number;
}

export function handleExecUpgrade(c: ExecRequestContext): void {
  c.socket.on('error', () => undefined);
  const supported = c.path === 'apiserver-v5' ? TRANSLATOR_EXEC_PROTOCOLS : KUBELET_EXEC_PROTOCOLS;
  const offered = offeredProtocols(c.req.headers['sec-websocket-protocol']);
  const proto = negotiate(offered, supported);
  if (!proto) {
    rejectUpgrade(c.socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`);
    return;
  }
  if (c.path === 'kubelet') {
    if (!c.opts.stdin && !c.opts.stdout && !c.opts.stderr) {
      rejectUpgrade(c.socket, 400, 'you must specify at least 1 of stdin, stdout, stderr');
      return;
    }
    if (!c.container?.running) {
      rejectUpgrade(c.socket, 500, `container not found ("${c.containerName}")`);
      return;
    }
  }
  upgrade(c.wss, c.req, c.socket, c.head, proto.name, (ws) => {
    void runExec(c, ws, proto).catch(() => ws.terminate());
  });
}

async function runExec(c: ExecRequestContext, ws: WebSocket, proto: Negotiated): Promise<void> {
  const { opts } = c;
  const stderr = opts.stderr && !opts.tty;
  const sender = new WsSender(ws, proto.codec);
  ws.on('error', () => undefined);
  // Frames may arrive before the process exists: hold them (and the socket) until it does.
  const early: [Buffer, boolean][] = [];
  const hold = (raw: Buffer, isBinary: boolean): void => {
    early.push([raw, isBinary]);
  };
  ws.on('message', hold);
  ws.pause();
  sender.send(opts.stdout ? STDOUT : stderr ? STDERR : ERROR, Buffer.alloc(0));
  if (c.dropAfterMs > 0) {
    const t = setTimeout(() => ws.terminate(), c.dropAfterMs);
    ws.once('close', () => clearTimeout(t));
  }

  const finish = (statusJson: string | null, failureText: string | null): void => {
    // stdin may never drain now (the process is gone): read again, or the client's close
    // frame would wait unread until its close timeout.
    ws.resume();
    const close = (): void => {
      if (sender.open) ws.close(1000);
    };
    if (proto.version === 'v1') {
      if (failureText) sender.send(ERROR, Buffer.from(failureText), close);
      else close();
    } else if (statusJson) sender.send(ERROR, Buffer.from(statusJson), close);
    else close();
  };
  const fail = (err: string): void => {
    const status = internalErrorStatus(err);
    finish(status, (JSON.parse(status) as { message: string }).message);
  };

  const container = c.container;
  if (!container?.running) {
    fail(`unable to upgrade connection: container not found ("${c.containerName}")`);
    return;
  }
  const lookup = await lookupError(container.ctx, opts.command[0]);
  if (lookup) {
    const err = execStartError(randomBytes(32).toString('hex'), lookup);
    fail(c.path === 'apiserver-v5' ? `Internal error occurred: ${err}` : err);
    return;
  }
  if (ws.readyState !== ws.OPEN) return;

  const cmd = launchCommand(container.ctx, opts.command, { tty: opts.tty });
  let detached = false;
  const handlers = {
    onStdout: (d: Buffer) => {
      if (!detached) sender.send(STDOUT, d);
    },
    onStderr: (d: Buffer) => {
      if (!detached) sender.send(STDERR, d);
    },
    onDone: (code: number) => {
      if (code === 0) finish(successStatus(), null);
      else finish(nonZeroExitStatus(code, opts.command, c.path), nonZeroExitMessage(code, opts.command, c.path));
    },
  };
  let proc: ExecProcess;
  try {
    proc = opts.tty
      ? startPtyProcess(cmd, { cols: 80, rows: 24 }, handlers)
      : startPipeProcess(cmd, { stdin: opts.stdin, stdout: opts.stdout, stderr }, handlers);
  } catch (e) {
    fail(execStartError(randomBytes(32).toString('hex'), e instanceof Error ? e.message : String(e)));
    return;
  }
  sender.addProducer(proc);
  ws.off('message', hold);
  wireClientFrames(ws, proto, proc, opts, early, () => {
    if (opts.tty) detached = true;
  });
  ws.once('close', () => {
    // The stream is gone: stdin EOF (nothing under a PTY), no signal; output drains into nothing.
    sender.release();
    proc.endStdin();
  });
}

/** Feeds client frames to the process: the held early ones first, then the socket resumes. */
function wireClientFrames(ws: WebSocket, proto: Negotiated, proc: ExecProcess, opts: ExecStreamOptions, early: [Buffer, boolean][], onStdinClosed: () => void): void {
  const resize = new ResizeParser();
  let stdinOpen = opts.stdin;
  let awaitingDrain = false;
  const onFrame = (raw: Buffer, isBinary: boolean): void => {
    if (proto.version === 'v5' && isBinary && raw[0] === CLOSE) {
      if (raw.length !== 2 || (raw[1] ?? 255) > RESIZE) {
        // wsstream ends its read loop and closes the connection: the client is gone.
        ws.close(1000);
        return;
      }
      if (raw[1] === STDIN && stdinOpen) {
        stdinOpen = false;
        proc.endStdin();
        onStdinClosed();
      }
      return;
    }
    const frame = decodeFrame(proto.codec, raw, isBinary);
    if (!frame) return;
    if (frame.channel === STDIN && stdinOpen) {
      if (!proc.writeStdin(frame.data) && !awaitingDrain) {
        awaitingDrain = true;
        ws.pause();
        proc.onStdinDrain(() => {
          awaitingDrain = false;
          ws.resume();
        });
      }
    } else if (frame.channel === RESIZE && opts.tty) {
      for (const s of resize.push(frame.data)) proc.resize(s.width, s.height);
    }
  };
  ws.on('message', onFrame);
  for (const [raw, isBinary] of early) onFrame(raw, isBinary);
  if (!awaitingDrain) ws.resume();
}
