/**
 * Recordings across a podgate start and a crash: retention deletes what is too old and, over
 * the size cap, the oldest, at startup; a `kill -9` of podgate in the middle of a session
 * leaves a recording that the real asciinema still reads and plays, holding everything the
 * client received up to the last second before the crash.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { asciinemaCat, runUnderPty } from './helpers/asciinema.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { sshArgs, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
const work = mkdtempSync(join(tmpdir(), 'podgate-rec-crash-'));
const recDir = join(work, 'recordings');
const DAY = 86_400;
const id = (n: number) => n.toString(16).padStart(16, '0');

function oldCast(n: number, bytes: number, ageDays: number): string {
  const path = join(recDir, `${id(n)}.cast`);
  writeFileSync(path, `{"version": 2, "width": 80, "height": 24}\n${'x'.repeat(bytes)}`);
  const t = Date.now() / 1000 - ageDays * DAY;
  utimesSync(path, t, t);
  return path;
}

let files: string[] = [];

beforeAll(async () => {
  mkdirSync(recDir, { recursive: true });
  files = [oldCast(1, 1000, 40), oldCast(2, 100_000, 3), oldCast(3, 100_000, 2), oldCast(4, 100_000, 1)];
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { recordings: { dir: recDir, maxAgeDays: 30, maxBytes: 250_000 } } });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('retention at startup', () => {
  it('deletes the recording past maxAgeDays and, over maxBytes, the oldest of the rest', async () => {
    await waitFor(() => pg.logs().filter((l) => l['code'] === 'RECORDING_DELETED').length === 2, 'two RECORDING_DELETED events');
    expect(pg.logs().filter((l) => l['code'] === 'RECORDING_DELETED')).toEqual([
      expect.objectContaining({ path: files[0], reason: 'max-age', ageDays: 40 }),
      expect.objectContaining({ path: files[1], reason: 'max-bytes', bytes: 100_042 }),
    ]);
    expect(files.map((f) => existsSync(f))).toEqual([false, false, true, true]);
  });
});

describe('a crash in the middle of a recorded session', () => {
  it('kill -9 of podgate leaves a recording asciinema plays, with all the client got up to a second before', async () => {
    const script = 'i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "line-$i é€😀"; sleep 0.02; done';
    const client = spawn('/usr/bin/ssh', sshArgs(pg, 'alice+web-7d9f', [script], { tty: true }), { stdio: ['pipe', 'pipe', 'pipe'] });
    const got: { at: number; data: Buffer }[] = [];
    client.stdout.on('data', (d: Buffer) => got.push({ at: Date.now(), data: d }));
    client.stderr.resume();
    client.stdin.on('error', () => undefined);
    const exited = new Promise((r) => client.once('close', r));
    const start = await waitFor(() => pg.logs().find((l) => l['code'] === 'RECORDING_START'), 'RECORDING_START');
    await waitFor(() => got.length > 0, 'output at the client');
    await new Promise((r) => setTimeout(r, 3000));
    const killedAt = Date.now();
    pg.kill('SIGKILL');
    await pg.exited;
    client.kill('SIGKILL');
    await exited;

    const path = String(start['path']);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const [header, ...events] = text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown) as [Record<string, unknown>, ...[number, string, string][]];
    expect(header).toMatchObject({ version: 2, podgate: { user: 'alice', pod: 'web-7d9f' } });
    const recorded = Buffer.from(events.filter((e) => e[1] === 'o').map((e) => e[2]).join(''));
    const received = Buffer.concat(got.map((g) => g.data));
    const receivedBefore = Buffer.concat(got.filter((g) => g.at <= killedAt - 1000).map((g) => g.data));
    let sum = 0;
    const firstMissing = got.find((g) => (sum += g.data.length) > recorded.length);
    const lostMs = firstMissing ? killedAt - firstMissing.at : 0;
    console.log(`crash: client got ${received.length} bytes, ${receivedBefore.length} of them more than 1 s before the kill; the recording holds ${recorded.length} (what the client got in the last ${lostMs} ms is missing)`);
    expect(receivedBefore.length).toBeGreaterThan(1000);
    // The recording is the start of what the client got, and holds at least all it got up to a second before the crash.
    expect(received.subarray(0, recorded.length).equals(recorded)).toBe(true);
    expect(recorded.length).toBeGreaterThanOrEqual(receivedBefore.length);

    const cat = await asciinemaCat(path);
    expect(cat.code).toBe(0);
    expect(cat.out.equals(recorded)).toBe(true);
    const played = await runUnderPty(['asciinema', 'play', '-s', '100', path]);
    expect(played.code).toBe(0);
  }, 90_000);
});
