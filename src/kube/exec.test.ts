/** Exec on the wire: query, protocol choice, frames, status, upgrade errors, and backpressure both ways. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import type { WebSocket } from 'ws';
import { FakeApi, alice, headerLines, status, rejection, collect } from './testing/fake-api.ts';

let f: FakeApi;
beforeAll(async () => { f = await FakeApi.start(); });
afterAll(async () => { await f.close(); });
beforeEach(() => f.reset());

const execReq = { namespace: 'prod', pod: 'web', container: 'app', identity: alice };

const exitStatus = (code: number): string => JSON.stringify({
  metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: exit ${code}`, reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});

describe('exec', () => {
  it('sends kubectl\'s query, separates stdout from stderr and reads the exit code', async () => {
    f.onWs = (ws) => {
      ws.send(Buffer.from([1]));
      ws.send(Buffer.from('\x01out'));
      ws.send(Buffer.from('\x02err'));
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(exitStatus(3))]));
      ws.close(1000);
    };
    const s = await f.api.exec({ ...execReq, command: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdin: false, tty: false });
    expect(s.protocol).toBe('v5.channel.k8s.io');
    expect(s.stdin).toBeNull();
    const [out, err, done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect([out, err, done]).toEqual(['out', 'err', { exitCode: 3 }]);
    const q = f.seen[0].url.searchParams;
    expect(q.getAll('command')).toEqual(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(Object.fromEntries(['container', 'stdin', 'stdout', 'stderr', 'tty'].map((k) => [k, q.get(k)])))
      .toEqual({ container: 'app', stdin: 'false', stdout: 'true', stderr: 'true', tty: 'false' });
    expect(headerLines(f.seen[0].rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    expect(headerLines(f.seen[0].rawHeaders, 'sec-websocket-protocol')[0].split(',').map((p) => p.trim()))
      .toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  });

  it('gives stdin EOF with v5 CLOSE after the data', async () => {
    const got: number[][] = [];
    f.onWs = (ws) => {
      ws.on('message', (d: Buffer) => {
        got.push([...d]);
        if (d[0] === 0) ws.send(Buffer.concat([Buffer.from([1]), d.subarray(1)]));
        if (d[0] === 255) {
          ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        }
      });
    };
    const s = await f.api.exec({ ...execReq, command: ['cat'], stdin: true, tty: false });
    s.stdin!.end('hi');
    const [out, done] = await Promise.all([collect(s.stdout), s.done, collect(s.stderr)]);
    expect(out).toBe('hi');
    expect(done).toEqual({ exitCode: 0 });
    expect(got).toEqual([[0, 104, 105], [255, 0]]);
  });

  it('records v4 when the server offers no v5, and sends no CLOSE then', async () => {
    f.pickProtocol = (offered) => (offered.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false);
    const got: number[][] = [];
    f.onWs = (ws) => {
      ws.on('message', (d: Buffer) => {
        got.push([...d]);
        ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
        ws.close(1000);
      });
    };
    const s = await f.api.exec({ ...execReq, command: ['cat'], stdin: true, tty: false });
    expect(s.protocol).toBe('v4.channel.k8s.io');
    s.stdin!.end('x');
    await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect(got).toEqual([[0, 120]]);
  });

  it('sends the initial size first under a TTY, then each resize, and has no stderr', async () => {
    const got: string[] = [];
    let peer: WebSocket | undefined;
    f.onWs = (ws) => {
      peer = ws;
      ws.on('message', (d: Buffer) => got.push(`${d[0]}:${d.subarray(1).toString()}`));
    };
    const s = await f.api.exec({ ...execReq, command: ['bash'], stdin: true, tty: true, size: { cols: 100, rows: 30 } });
    expect(s.stderr).toBeNull();
    expect(f.seen[0].url.searchParams.get('stderr')).toBe('false');
    expect(f.seen[0].url.searchParams.get('tty')).toBe('true');
    s.resize({ cols: 120, rows: 40 });
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(2);
    expect(got).toEqual(['4:{"Width":100,"Height":30}', '4:{"Width":120,"Height":40}']);
    peer!.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
    peer!.close(1000);
    expect(await Promise.all([collect(s.stdout), s.done]).then((r) => r[1])).toEqual({ exitCode: 0 });
  });

  it('reports a stream that closes without a status as API_ERROR', async () => {
    f.onWs = (ws) => {
      ws.send(Buffer.from('\x01partial'));
      ws.close(1000);
    };
    const s = await f.api.exec({ ...execReq, command: ['x'], stdin: false, tty: false });
    const [out, , done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect(out).toBe('partial');
    expect('error' in done && done.error.code).toBe('API_ERROR');
    expect('error' in done && done.error.operatorMessage).toContain('without status');
  });

  it('maps a not-running container on channel 3 to POD_NOT_RUNNING', async () => {
    f.onWs = (ws) => {
      ws.send(Buffer.from('\x03' + JSON.stringify({ status: 'Failure', reason: 'InternalError', code: 500,
        message: 'Internal error occurred: unable to upgrade connection: container not found ("app")' })));
      ws.close(1000);
    };
    const s = await f.api.exec({ ...execReq, command: ['x'], stdin: false, tty: false });
    const [, , done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect('error' in done && done.error.code).toBe('POD_NOT_RUNNING');
  });

  it('decodes a status message split inside a UTF-8 character across frames', async () => {
    const body = Buffer.from('\x03' + JSON.stringify({ status: 'Failure', reason: 'InternalError', code: 500, message: 'pod «café» is gone' }));
    const cut = body.indexOf(Buffer.from('é')) + 1;
    f.onWs = (ws) => {
      ws.send(body.subarray(0, cut), { binary: true, fin: false });
      ws.send(body.subarray(cut), { binary: true, fin: true });
      ws.close(1000);
    };
    const s = await f.api.exec({ ...execReq, command: ['x'], stdin: false, tty: false });
    const [, , done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect('error' in done && done.error.operatorMessage).toBe('exec status: InternalError: pod «café» is gone');
  });

  it('rejects failed upgrades with the API\'s own message', async () => {
    const cases: Array<[number, string, string]> = [
      [404, 'pods "nope" not found', 'POD_NOT_FOUND'],
      [403, 'pods "web" is forbidden: User "alice" cannot get resource "pods/exec" in API group "" in the namespace "prod"', 'FORBIDDEN'],
      [400, 'container nginx is not valid for pod web', 'CONTAINER_NOT_FOUND'],
      [400, 'pod web does not have a host assigned', 'POD_NOT_RUNNING'],
    ];
    for (const [code, message, expected] of cases) {
      f.upgradeAnswer = { status: code, body: status(code, message) };
      const err = await rejection(f.api.exec({ ...execReq, command: ['x'], stdin: false, tty: false }));
      expect(err.code).toBe(expected);
      expect(err.userMessage).toBe(message);
    }
  });

  it('times out an upgrade that never answers', async () => {
    const silent = net.createServer((sock) => sock.on('error', () => undefined));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const slow = f.client(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, 500);
    const err = await rejection(slow.exec({ ...execReq, command: ['x'], stdin: false, tty: false }));
    expect(err.code).toBe('API_TIMEOUT');
    slow.close();
    silent.close();
  });

  it('rejects bad arguments with a PodgateError too (the KubeApi promise)', async () => {
    const e = await rejection(f.api.exec({ ...execReq, command: [], stdin: false, tty: false }));
    expect(e.code).toBe('INTERNAL');
    const h = await rejection(f.api.getPod('prod', 'web', { user: 'alice\r\nX: y', groups: [] }));
    expect(h.code).toBe('INTERNAL');
  });

  it('abort() drops the stream and settles done', async () => {
    let serverSawClose = false;
    f.onWs = (ws) => ws.on('close', () => { serverSawClose = true; });
    const s = await f.api.exec({ ...execReq, command: ['sleep', '100'], stdin: true, tty: false });
    s.abort();
    const done = await s.done;
    expect('error' in done).toBe(true);
    await expect.poll(() => serverSawClose, { timeout: 5000 }).toBe(true);
  });
});

describe('backpressure', () => {
  it('pauses the API socket while stdout is not read, and loses nothing', async () => {
    const total = 32 * 1024 * 1024;
    let sent = 0;
    let peer: WebSocket | undefined;
    f.onWs = (ws) => {
      peer = ws;
      const chunk = Buffer.alloc(32 * 1024 + 1, 7);
      chunk[0] = 1;
      // Send as fast as ws lets us, i.e. as fast as TCP drains: a client that pauses stalls this.
      const pump = (): void => {
        while (sent < total && ws.bufferedAmount < 1024 * 1024) {
          ws.send(chunk);
          sent += chunk.length - 1;
        }
        if (sent < total) setTimeout(pump, 5);
        else {
          ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        }
      };
      pump();
    };
    const s = await f.api.exec({ ...execReq, command: ['cat', '/dev/zero'], stdin: false, tty: false });
    // Nobody reads stdout: the server must stall well short of the total.
    await expect.poll(() => peer !== undefined && peer.bufferedAmount > 512 * 1024, { timeout: 10_000 }).toBe(true);
    const stalledAt = sent;
    await new Promise((r) => setTimeout(r, 300));
    expect(sent).toBe(stalledAt);
    expect(sent).toBeLessThan(total);
    // Client side holds little: the Readable's buffer plus at most one socket read.
    expect(s.stdout.readableLength).toBeLessThan(1024 * 1024);
    let received = 0;
    s.stdout.on('data', (c: Buffer) => { received += c.length; });
    const [, done] = await Promise.all([collect(s.stderr), s.done]);
    expect(done).toEqual({ exitCode: 0 });
    expect(received).toBe(total);
  });

  it('makes stdin writes wait while the API socket does not drain', async () => {
    let peer: WebSocket | undefined;
    let receivedBytes = 0;
    f.onWs = (ws) => {
      peer = ws;
      ws.on('message', (d: Buffer) => {
        if (d[0] === 0) receivedBytes += d.length - 1;
        if (d[0] === 255) {
          ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        }
      });
    };
    const s = await f.api.exec({ ...execReq, command: ['cat'], stdin: true, tty: false });
    await expect.poll(() => peer !== undefined, { timeout: 5000 }).toBe(true);
    peer!.pause(); // the API server stops reading
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    let more = true;
    while (more && written < 64 * 1024 * 1024) {
      more = s.stdin!.write(chunk);
      written += chunk.length;
    }
    expect(more).toBe(false);
    // write() said stop; no drain comes while the server does not read.
    let drained = false;
    s.stdin!.once('drain', () => { drained = true; });
    await new Promise((r) => setTimeout(r, 300));
    expect(drained).toBe(false);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    peer!.resume();
    await expect.poll(() => drained, { timeout: 10_000 }).toBe(true);
    s.stdin!.end();
    await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect(receivedBytes).toBe(written);
  });
});
