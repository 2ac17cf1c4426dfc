import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalSize } from '../kube/types.ts';
import type { AttachRequest } from './protocol.ts';
import { remoteAdopt, remoteAttach } from './relay-client.ts';
import type { RelayStream } from './relay-stream.ts';
import { startRelayServer, type RelayHandler, type RelayServer } from './relay-server.ts';

const SECRET = randomBytes(32);
const servers: RelayServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

/** A holder with one session of alice's: an upper-casing echo that records resizes. */
function fakeHolder(): { handler: RelayHandler; calls: AttachRequest[]; sizes: TerminalSize[]; terms: RelayStream[] } {
  const calls: AttachRequest[] = [];
  const sizes: TerminalSize[] = [];
  const terms: RelayStream[] = [];
  const handler: RelayHandler = {
    // Lingering processes of alice's session L1; `hang` never answers.
    adopt: (req) => (req.id === 'hang' ? new Promise(() => undefined) : Promise.resolve(req.id === 'L1' && req.user === 'alice' ? { ok: true } : { ok: false, code: 'SESSION_NOT_FOUND', message: 'none' })),
    attach: (req) => {
      calls.push(req);
      if (req.id !== 's1') return Promise.resolve({ ok: false, code: 'POD_NOT_FOUND', message: `no session ${req.id}` });
      if (req.user !== 'alice') return Promise.resolve({ ok: false, code: 'POLICY_DENIED', message: `session ${req.id} is not yours` });
      return Promise.resolve({
        ok: true,
        start: (term) => {
          terms.push(term);
          sizes.push({ cols: req.cols, rows: req.rows });
          term.write('screen as it was\r\n');
          term.on('resize', (s: TerminalSize) => sizes.push(s));
          term.on('data', (c: Buffer) => {
            if (c.toString() === 'exit') term.finish({ reason: 'exit', exitCode: 3 });
            else term.write(c.toString().toUpperCase());
          });
          term.on('error', () => undefined);
        },
      });
    },
  };
  return { handler, calls, sizes, terms };
}

function logLines(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }), lines };
}

async function holder(opts: { maxPending?: number; handshakeTimeoutMs?: number } = {}) {
  const h = fakeHolder();
  const log = logLines();
  const server = await startRelayServer({ host: '127.0.0.1', port: 0, secret: SECRET, handler: h.handler, logger: log.logger, ...opts });
  servers.push(server);
  return { ...h, ...log, server, address: `127.0.0.1:${server.port}` };
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('relay between replicas', () => {
  it('attaches: the screen first, then keystrokes and output both ways, resizes, and the end reason', async () => {
    const h = await holder();
    const term = await remoteAttach({ address: h.address, secret: SECRET, timeoutMs: 5000 }, { op: 'attach', user: 'alice', id: 's1', cols: 100, rows: 30, from: 'front:1' });
    let out = '';
    term.on('data', (c: Buffer) => { out += c.toString(); });
    await until(() => out.includes('screen as it was'), 'the redraw');
    term.write('hello');
    await until(() => out.includes('HELLO'), 'the echo');
    term.resize({ cols: 120, rows: 40 });
    await until(() => h.sizes.length === 2, 'the resize');
    expect(h.sizes).toEqual([{ cols: 100, rows: 30 }, { cols: 120, rows: 40 }]);
    const finished = new Promise((resolve) => term.once('finished', resolve));
    term.write('exit');
    expect(await finished).toEqual({ reason: 'exit', exitCode: 3 });
    expect(h.lines.find((l) => l.code === 'REPLICA_RELAY_ATTACH')).toMatchObject({ side: 'holder', peer: 'front:1', user: 'alice', sessionId: 's1', result: 'accepted' });
  });

  it('carries a megabyte each way intact (frames split at 64 KiB, backpressure held)', async () => {
    const h = await holder();
    const term = await remoteAttach({ address: h.address, secret: SECRET, timeoutMs: 5000 }, { op: 'attach', user: 'alice', id: 's1', cols: 80, rows: 24, from: '' });
    const big = 'abcdefghij'.repeat(100_000);
    let out = '';
    term.on('data', (c: Buffer) => { out += c.toString(); });
    term.write(big);
    await until(() => out.length >= 'screen as it was\r\n'.length + big.length, 'a megabyte back');
    expect(out.endsWith(big.toUpperCase())).toBe(true);
  });

  it("refuses another user's attach, and an unknown session, with the holder's answer", async () => {
    const h = await holder();
    const t = { address: h.address, secret: SECRET, timeoutMs: 5000 };
    await expect(remoteAttach(t, { op: 'attach', user: 'mallory', id: 's1', cols: 80, rows: 24, from: '' })).rejects.toMatchObject({ code: 'POLICY_DENIED', userMessage: 'session s1 is not yours' });
    await expect(remoteAttach(t, { op: 'attach', user: 'alice', id: 's2', cols: 80, rows: 24, from: '' })).rejects.toMatchObject({ code: 'POD_NOT_FOUND', userMessage: 'no session s2' });
  });

  it('a wrong secret fails on both sides, and the handler never hears of it', async () => {
    const h = await holder();
    const err = await remoteAttach({ address: h.address, secret: randomBytes(32), timeoutMs: 5000 }, { op: 'attach', user: 'alice', id: 's1', cols: 80, rows: 24, from: '' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REPLICA_UNREACHABLE', userMessage: `the podgate replica ${h.address} that holds this session cannot be reached` });
    expect((err as { operatorMessage: string }).operatorMessage).toMatch(/failed authentication|closed the connection/);
    await until(() => h.lines.some((l) => l.code === 'REPLICA_RELAY_REFUSED'), 'the refusal');
    expect(h.lines.find((l) => l.code === 'REPLICA_RELAY_REFUSED')?.reason).toBe('relay peer failed authentication (wrong secret)');
    expect(h.calls).toEqual([]);
  });

  it('a replayed handshake and request do not get in (the server nonce is fresh)', async () => {
    const h = await holder();
    // Record what a real client sends through a tapping proxy.
    const sent: Buffer[] = [];
    const tap = net.createServer((c) => {
      const up = net.connect(h.server.port, '127.0.0.1');
      c.on('data', (d: Buffer) => { sent.push(d); up.write(d); });
      up.on('data', (d: Buffer) => c.write(d));
      c.on('error', () => undefined); up.on('error', () => undefined);
      c.on('close', () => up.destroy()); up.on('close', () => c.destroy());
    });
    await new Promise<void>((r) => tap.listen(0, '127.0.0.1', r));
    const term = await remoteAttach({ address: `127.0.0.1:${(tap.address() as AddressInfo).port}`, secret: SECRET, timeoutMs: 5000 }, { op: 'attach', user: 'alice', id: 's1', cols: 80, rows: 24, from: '' });
    term.destroy();
    tap.close();
    expect(h.calls).toHaveLength(1);
    const replay = net.connect(h.server.port, '127.0.0.1');
    replay.on('error', () => undefined);
    const closed = new Promise((r) => replay.on('close', r));
    replay.on('connect', () => { for (const b of sent) replay.write(b); });
    await closed;
    expect(h.calls).toHaveLength(1);
    await until(() => h.lines.filter((l) => l.code === 'REPLICA_RELAY_REFUSED').length >= 1, 'the refusal');
  });

  it('a frame altered on the way fails authentication: the connection ends and no request is served', async () => {
    const h = await holder();
    let seen = 0;
    const mitm = net.createServer((c) => {
      const up = net.connect(h.server.port, '127.0.0.1');
      c.on('data', (d: Buffer) => {
        const out = Buffer.from(d);
        // Past the hello (36) and the proof (32): flip one bit of the encrypted request.
        for (let i = 0; i < out.length; i++) if (seen + i === 36 + 32 + 10) out[i] = (out[i] ?? 0) ^ 1;
        seen += d.length;
        up.write(out);
      });
      up.on('data', (d: Buffer) => c.write(d));
      c.on('error', () => undefined); up.on('error', () => undefined);
      c.on('close', () => up.destroy()); up.on('close', () => c.destroy());
    });
    await new Promise<void>((r) => mitm.listen(0, '127.0.0.1', r));
    const err = await remoteAttach({ address: `127.0.0.1:${(mitm.address() as AddressInfo).port}`, secret: SECRET, timeoutMs: 5000 }, { op: 'attach', user: 'alice', id: 's1', cols: 80, rows: 24, from: '' }).catch((e: unknown) => e);
    mitm.close();
    expect(err).toMatchObject({ code: 'REPLICA_UNREACHABLE' });
    expect(h.calls).toEqual([]);
  });

  it('drops a stranger speaking something else, and sockets beyond maxPending at once', async () => {
    const h = await holder({ maxPending: 2, handshakeTimeoutMs: 60_000 });
    const http = net.connect(h.server.port, '127.0.0.1');
    http.on('error', () => undefined);
    http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.padEnd(40, ' '));
    await new Promise((r) => http.on('close', r));
    const idle = [net.connect(h.server.port, '127.0.0.1'), net.connect(h.server.port, '127.0.0.1')];
    for (const s of idle) s.on('error', () => undefined);
    await until(() => h.lines.length >= 0 && idle.every((s) => s.readyState === 'open'), 'two idle sockets');
    await new Promise((r) => setTimeout(r, 100));
    const third = net.connect(h.server.port, '127.0.0.1');
    third.on('error', () => undefined);
    await new Promise((r) => third.on('close', r));
    await until(() => h.lines.some((l) => l.reason === 'too many pending relay handshakes'), 'the limit refusal');
    expect(h.lines.find((l) => l.reason === 'not a podgate relay hello')).toBeTruthy();
    for (const s of idle) s.destroy();
    expect(h.calls).toEqual([]);
  });

  it('a handshake that stalls is cut at handshakeTimeoutMs', async () => {
    const h = await holder({ handshakeTimeoutMs: 200 });
    const s = net.connect(h.server.port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.on('close', r));
    expect(h.lines.find((l) => l.code === 'REPLICA_RELAY_REFUSED')?.reason).toBe('relay handshake took longer than 200 ms');
  });

  it('a holder that is not there is a clear REPLICA_UNREACHABLE', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(remoteAttach({ address: `127.0.0.1:${port}`, secret: SECRET, timeoutMs: 2000 }, { op: 'attach', user: 'alice', id: 's1', cols: 80, rows: 24, from: '' })).rejects.toMatchObject({ code: 'REPLICA_UNREACHABLE' });
  });

  it('adopt: accepted, refused, unreached (never sent) and unknown (sent, no answer) are told apart; the holder audits it', async () => {
    const h = await holder();
    const t = { address: h.address, secret: SECRET, timeoutMs: 1000 };
    expect(await remoteAdopt(t, { op: 'adopt', user: 'alice', id: 'L1', from: 'front:1' })).toEqual({ outcome: 'ok' });
    expect(await remoteAdopt(t, { op: 'adopt', user: 'mallory', id: 'L1', from: 'front:1' })).toMatchObject({ outcome: 'refused', error: { code: 'SESSION_NOT_FOUND' } });
    expect(await remoteAdopt(t, { op: 'adopt', user: 'alice', id: 'hang', from: 'front:1' })).toMatchObject({ outcome: 'unknown', error: { code: 'REPLICA_UNREACHABLE' } });
    expect(await remoteAdopt({ ...t, secret: randomBytes(32) }, { op: 'adopt', user: 'alice', id: 'L1', from: '' })).toMatchObject({ outcome: 'unreached' });
    await until(() => h.lines.filter((l) => l.code === 'REPLICA_LINGER_HANDOVER').length === 2, 'the audit lines');
    expect(h.lines.filter((l) => l.code === 'REPLICA_LINGER_HANDOVER').map((l) => [l.user, l.result])).toEqual([['alice', 'accepted'], ['mallory', 'SESSION_NOT_FOUND']]);
  });
});
