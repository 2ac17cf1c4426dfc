/**
 * Issue #13 item 3: per-session and per-connection memory budget, through a real podgate with
 * small limits. Node's ssh2 client makes the attacks OpenSSH cannot (many SFTP handles, huge
 * paths, floods of READs, many channels on one connection); OpenSSH's ssh sends the env flood.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { pollUntil } from './helpers/reap-matrix.ts';
import { ssh } from './helpers/ssh.ts';
import { connectSsh2, execSsh2, openSftp, sftpOpen, sftpRead } from './helpers/ssh2-client.ts';

let emu: Emulator;
let pg: Podgate;
const LIMITS = { maxSessionsPerConnection: 3, maxEnvPerSession: 4, maxEnvBytesPerSession: 64, sftpMaxHandles: 8, sftpMaxPathBytes: 300, sftpMaxRequestsInFlight: 4, sftpMaxBytesInFlight: 256 * 1024 };

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { limits: LIMITS } });
}, 90_000);
afterAll(async () => {
  await pg?.stop();
  await emu?.close();
});

const refusals = (limit: string): Record<string, unknown>[] => pg.logs().filter((l) => l['code'] === 'LIMIT_REFUSED' && l['limit'] === limit);

describe('memory budget', () => {
  it('refuses SFTP handles beyond sftpMaxHandles with a clear status, and audits it once', async () => {
    const client = await connectSsh2(pg, 'alice+tiny.prod');
    try {
      const sftp = await openSftp(client);
      const handles: Buffer[] = [];
      for (let i = 0; i < LIMITS.sftpMaxHandles; i++) handles.push(await sftpOpen(sftp, '/dev/zero'));
      for (let i = 0; i < 3; i++) await expect(sftpOpen(sftp, '/dev/zero')).rejects.toThrow(/too many open handles \(limit 8\)/);
      // Closing one makes room again.
      await new Promise<void>((r, j) => sftp.close(handles[0], (e) => (e ? j(e) : r())));
      await sftpOpen(sftp, '/dev/zero');
    } finally {
      client.end();
    }
    expect(await pollUntil(async () => refusals('sftpMaxHandles').some((l) => l['refused'] === 3), 20_000)).toBe(true);
    expect(refusals('sftpMaxHandles')[0]).toMatchObject({ value: 8, refused: 1 });
  }, 120_000);

  it('fails paths longer than sftpMaxPathBytes without asking the pod', async () => {
    const client = await connectSsh2(pg, 'alice+tiny.prod');
    try {
      const sftp = await openSftp(client);
      const long = `/${'a'.repeat(400)}`;
      const stats = Array.from({ length: 50 }, () => new Promise<string>((r) => sftp.stat(long, (e) => r(e ? e.message : 'ok'))));
      expect(new Set(await Promise.all(stats))).toEqual(new Set(['path too long (limit 300 bytes)']));
      // A normal path still works on the same session.
      expect(await new Promise((r) => sftp.stat('/etc', (e, s) => r(e ? e.message : s.isDirectory())))).toBe(true);
    } finally {
      client.end();
    }
  }, 120_000);

  it('serves a flood of pipelined READs in bounded batches, every one answered', async () => {
    const client = await connectSsh2(pg, 'alice+tiny.prod');
    try {
      const sftp = await openSftp(client);
      const h = await sftpOpen(sftp, '/dev/zero');
      const reads = await Promise.all(Array.from({ length: 200 }, (_, i) => sftpRead(sftp, h, i * 32768, 32768)));
      expect(reads.every((b) => b.length === 32768)).toBe(true);
    } finally {
      client.end();
    }
  }, 120_000);

  it('keeps at most maxEnvPerSession env requests (OpenSSH SetEnv), refusing the rest', async () => {
    const vars = Array.from({ length: 7 }, (_, i) => `LC_X${i}=v${i}`).join(' ');
    const r = await ssh(pg, 'alice+tiny.prod', ['env | grep -c "^LC_X"'], { extraArgs: ['-o', `SetEnv=${vars}`] });
    expect(r.stdout.toString().trim()).toBe('4');
    expect(await pollUntil(async () => refusals('maxEnvPerSession').length > 0, 20_000)).toBe(true);
    // The byte budget: two 40-byte values do not both fit in 64 bytes.
    const big = `LC_B1=${'x'.repeat(40)} LC_B2=${'y'.repeat(40)}`;
    const r2 = await ssh(pg, 'alice+tiny.prod', ['env | grep -c "^LC_B"'], { extraArgs: ['-o', `SetEnv=${big}`] });
    expect(r2.stdout.toString().trim()).toBe('1');
    expect(refusals('maxEnvBytesPerSession').length).toBeGreaterThan(0);
  }, 120_000);

  it('refuses session channels beyond maxSessionsPerConnection, and frees them when they close', async () => {
    const client = await connectSsh2(pg, 'alice+tiny.prod');
    try {
      const long = Array.from({ length: LIMITS.maxSessionsPerConnection }, () => execSsh2(client, 'sleep 3; echo done'));
      await new Promise((r) => setTimeout(r, 500));
      await expect(execSsh2(client, 'echo extra')).rejects.toThrow(/open failed|prohibited|Channel open failure/i);
      expect((await Promise.all(long)).map((x) => x.stdout)).toEqual(['done\n', 'done\n', 'done\n']);
      expect((await execSsh2(client, 'echo again')).stdout).toBe('again\n');
    } finally {
      client.end();
    }
    expect(refusals('maxSessionsPerConnection')[0]).toMatchObject({ value: 3 });
  }, 120_000);
});
