import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReapReport, ReapTarget, SessionReaper } from '../session/reaper-types.ts';
import { LingerPool } from '../sessions/linger.ts';
import { adoptElsewhere } from './adopt-remote.ts';
import type { ReplicaHub } from './index.ts';
import { startRelayServer, type RelayServer } from './relay-server.ts';
import type { FoundSession } from './session-leases.ts';

const SECRET = randomBytes(32);
const target = { cluster: 'default', namespace: 'prod', pod: 'web', container: 'app' };
let server: RelayServer;
const asked: string[] = [];

beforeAll(async () => {
  // The holder: hands over `ok`, refuses `no`, never answers `hang`.
  server = await startRelayServer({
    host: '127.0.0.1', port: 0, secret: SECRET, logger: pino({ level: 'silent' }),
    handler: {
      attach: () => Promise.resolve({ ok: false, code: 'UNSUPPORTED', message: '' }),
      adopt: (req) => {
        asked.push(req.id);
        if (req.id === 'hang') return new Promise(() => undefined);
        return Promise.resolve(req.id === 'ok' ? { ok: true } : { ok: false, code: 'SESSION_NOT_FOUND', message: 'gone' });
      },
    },
  });
});
afterAll(async () => { await server.close(); });

const found = (id: string, over: Partial<FoundSession> = {}): FoundSession => ({
  id, holder: `127.0.0.1:${server.port}`, user: 'alice', target: '', startedAt: '', detachedAt: '', ...target,
  state: 'detached', kind: 'linger', stale: false, lease: { name: id, labels: {}, holderIdentity: '', leaseDurationSeconds: 30 }, ...over,
});

function fakeReaper(): SessionReaper & { tracked: Set<string>; reaped: string[] } {
  const tracked = new Set<string>();
  const reaped: string[] = [];
  return {
    tracked, reaped,
    wrap: () => [],
    reap: (_t: ReapTarget, id: string) => { reaped.push(id); return Promise.resolve({ sessionId: id, found: [], outcome: 'none', durationMs: 0 } satisfies ReapReport); },
    track: (_t, id) => { tracked.add(id); return Promise.resolve(); },
    untrack: (id) => { tracked.delete(id); return Promise.resolve(); },
    recover: () => Promise.resolve([]),
  };
}

describe('adoptElsewhere (lingering processes across replicas)', () => {
  it('holds what the holder handed over; untracks what it refused or never heard of; keeps what it may have moved', async () => {
    const list = [
      found('ok'), found('no'), found('hang'), found('down', { holder: '127.0.0.1:1' }),
      // Not candidates: a PTY session, a stale Lease, its own, another container.
      found('pty', { kind: 'pty' }), found('stale', { stale: true }), found('own', { holder: 'me:1' }), found('other', { pod: 'db' }),
    ];
    const hub = { advertise: 'me:1', leases: { listForUser: () => Promise.resolve(list) }, target: (address: string) => ({ address, secret: SECRET, timeoutMs: 1000 }) } as unknown as ReplicaHub;
    const reaper = fakeReaper();
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const pool = new LingerPool(logger);
    await adoptElsewhere(hub, reaper, pool, {
      connId: 'c1', sessionId: 'new', user: 'alice', identity: { user: 'alice', groups: [] }, target, defaultCluster: 'default', graceSeconds: 1, logger, closed: new AbortController().signal,
    });
    expect(asked.sort()).toEqual(['hang', 'no', 'ok']);
    expect([...reaper.tracked].sort()).toEqual(['hang', 'ok']);
    expect(lines.filter((l) => l.code === 'REPLICA_LINGER_HANDOVER').map((l) => [l.sessionId, l.result])).toEqual([
      ['ok', 'accepted'], ['no', 'SESSION_NOT_FOUND'], ['hang', 'unknown'], ['down', 'REPLICA_UNREACHABLE'],
    ]);
    expect(lines.find((l) => l.code === 'PROCESSES_ADOPTED')).toMatchObject({ connId: 'c1', sessionId: 'new', adopted: ['ok', 'hang'] });
    // Held for connection c1: reaped (and untracked) one grace after it closes.
    pool.release('c1');
    await new Promise((r) => setTimeout(r, 1500));
    expect(reaper.reaped.sort()).toEqual(['hang', 'ok']);
    expect(reaper.tracked.size).toBe(0);
  });

  it('a failed lookup adopts nothing and is logged', async () => {
    const hub = { advertise: 'me:1', leases: { listForUser: () => Promise.reject(new Error('etcd is on fire')) } } as unknown as ReplicaHub;
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const reaper = fakeReaper();
    await adoptElsewhere(hub, reaper, new LingerPool(logger), {
      connId: 'c2', sessionId: 'n2', user: 'alice', identity: { user: 'alice', groups: [] }, target, defaultCluster: 'default', graceSeconds: 1, logger, closed: new AbortController().signal,
    });
    expect(lines.find((l) => l.code === 'REPLICA_LEASE_ERROR')).toMatchObject({ op: 'list', err: 'etcd is on fire' });
    expect(reaper.tracked.size).toBe(0);
  });
});
