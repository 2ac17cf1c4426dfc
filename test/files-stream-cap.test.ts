/**
 * Issue #13 (hostile-users bench): every open file of podgate's own SFTP server that was read
 * held one exec (a process in the pod and a TLS WebSocket to the API server) for as long as the
 * handle stayed open: 20 users × 64 handles were 1,280 sockets and most of podgate's +350 MiB.
 * `limits.sftpMaxStreams` bounds a session's streams (more wait; idle ones are parked for
 * them, so a client with more open files than slots is slowed, never stalled) and
 * `limits.sftpMaxStreamsTotal` the process's (beyond it a request fails at once with an SFTP
 * status when no stream anywhere is idle). Node's ssh2 client opens the many handles OpenSSH's
 * sftp never does; OpenSSH's sftp shows a normal transfer through a single slot.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SFTPWrapper } from 'ssh2';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { pollUntil } from './helpers/reap-matrix.ts';
import { runClient, ssh } from './helpers/ssh.ts';
import { connectSsh2, openSftp, sftpOpen, sftpRead } from './helpers/ssh2-client.ts';

const POD = { namespace: 'prod', pod: 'tiny', container: 'sh' };
const LIMITS = { sftpMaxStreams: 2, sftpMaxStreamsTotal: 3 };
let emu: Emulator;
let pg: Podgate;
let local: string;
const tag = `${process.pid}-${Date.now()}`;

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { limits: LIMITS } });
  local = mkdtempSync(join(tmpdir(), 'podgate-stream-cap-'));
}, 90_000);
afterAll(async () => {
  await ssh(pg, 'alice+tiny.prod', [`rm -f /tmp/cap-${tag}-*`]).catch(() => undefined);
  await pg?.stop();
  await emu?.close();
  rmSync(local, { recursive: true, force: true });
});

/** The `cat`s of stream execs in the pod reading `path`. */
async function cats(path: string): Promise<number> {
  const procs = await emu.processes(POD.namespace, POD.pod, POD.container);
  return procs.filter((p) => p.args.endsWith(`cat -- ${path}`)).length;
}

/** A stream exec (its reaper id SESSION.fN; not the kill exec that names such ids). */
const isStream = (query: string): boolean => /[0-9a-f]{16}\.f\d+/.test(decodeURIComponent(query)) && !query.includes('podgate-kill');

/** Most stream execs the API server had open at once, from its request log. */
async function maxConcurrentStreams(since: number): Promise<number> {
  const edges: [number, number][] = [];
  for (const r of await emu.requests()) {
    const t = Date.parse(r.time);
    if (t < since || !r.path.endsWith('/exec') || !isStream(r.query)) continue;
    edges.push([t, 1], [r.closedAt ? Date.parse(r.closedAt) : Infinity, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d));
  return most;
}

const pendingRead = (sftp: SFTPWrapper, h: Buffer): void => { sftp.read(h, Buffer.alloc(4096), 0, 4096, 0, () => undefined); };

describe('file streams are bounded', () => {
  it('serves more open files than a session has slots, parking idle streams, with never more streams than slots', async () => {
    const since = Date.now();
    const client = await connectSsh2(pg, 'alice+tiny.prod');
    try {
      const sftp = await openSftp(client);
      const handles = await Promise.all(Array.from({ length: 6 }, () => sftpOpen(sftp, '/dev/zero')));
      // Every handle is read twice, all at once: each read is answered, by at most 2 streams.
      for (let round = 0; round < 2; round++) {
        const reads = await Promise.all(handles.map((h, i) => sftpRead(sftp, h, round * 65536 + i, 32768)));
        expect(reads.every((b) => b.length === 32768 && b.every((x) => x === 0))).toBe(true);
      }
      expect(await cats('/dev/zero')).toBeLessThanOrEqual(LIMITS.sftpMaxStreams);
    } finally {
      client.end();
    }
    // Closed with the session: every stream's process ends, every exec is closed.
    expect(await pollUntil(async () => (await cats('/dev/zero')) === 0, 30_000)).toBe(true);
    expect(await pollUntil(async () => (await emu.requests()).every((r) => Date.parse(r.time) < since || r.closedAt !== undefined || !isStream(r.query)), 30_000)).toBe(true);
    const most = await maxConcurrentStreams(since);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(LIMITS.sftpMaxStreams);
  }, 120_000);

  it('refuses a stream with an SFTP failure when the process is full of busy streams, and serves it once they end', async () => {
    const fifos = [1, 2, 3].map((i) => `/tmp/cap-${tag}-fifo${i}`);
    expect((await ssh(pg, 'alice+tiny.prod', [`mkfifo ${fifos.join(' ')}`])).code).toBe(0);
    const a = await connectSsh2(pg, 'alice+tiny.prod');
    const b = await connectSsh2(pg, 'alice+tiny.prod');
    try {
      // Three reads that wait forever (FIFOs nobody writes): three busy streams, the process's limit.
      const sa = await openSftp(a);
      for (const f of fifos.slice(0, 2)) pendingRead(sa, await sftpOpen(sa, f));
      const sb = await openSftp(b);
      pendingRead(sb, await sftpOpen(sb, fifos[2]));
      expect(await pollUntil(async () => (await cats(fifos[0])) + (await cats(fifos[1])) + (await cats(fifos[2])) === 3, 30_000)).toBe(true);
      const zero = await sftpOpen(sb, '/dev/zero');
      await expect(sftpRead(sb, zero, 0, 4096)).rejects.toThrow(/too many file streams \(limit 3\)/);
      expect(await cats('/dev/zero')).toBe(0);
      const refused = pg.logs().filter((l) => l['code'] === 'LIMIT_REFUSED' && l['limit'] === 'sftpMaxStreamsTotal');
      expect(refused[0]).toMatchObject({ value: 3 });
      // The first user leaves: their streams end, and the refused read works when asked again.
      a.end();
      expect(await pollUntil(async () => (await cats(fifos[0])) + (await cats(fifos[1])) === 0, 30_000)).toBe(true);
      const data = await sftpRead(sb, zero, 0, 4096);
      expect(data.length).toBe(4096);
    } finally {
      a.end();
      b.end();
    }
    expect(await pollUntil(async () => (await cats(fifos[2])) + (await cats('/dev/zero')) === 0, 30_000)).toBe(true);
  }, 120_000);

  it('OpenSSH sftp moves files under the stream limits', async () => {
    const up = join(local, 'up.bin');
    const body = randomBytes(300 * 1024);
    writeFileSync(up, body);
    const remote = `/tmp/cap-${tag}-file`;
    const batch = `put ${up} ${remote}\nget ${remote} ${join(local, 'down.bin')}\n`;
    const r = await runClient('sftp', [
      '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
      '-o', 'LogLevel=ERROR', '-i', pg.keyFor('alice'), '-P', String(pg.port), '-b', '-', 'alice+tiny.prod@127.0.0.1',
    ], { input: batch, timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(local, 'down.bin')).equals(body)).toBe(true);
  }, 120_000);
});
