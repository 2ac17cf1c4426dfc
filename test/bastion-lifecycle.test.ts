/**
 * How sessions end: the client disconnects (the container processes are reaped), the session
 * is idle too long, or it reaches its maximum duration. Each is audited with its reason.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, sshArgs, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { limits: { idleTimeoutSeconds: 3, maxSessionSeconds: 8, keepaliveIntervalSeconds: 1, keepaliveCountMax: 2 } } });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
});

const endOf = (command: string) => waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === command), `SESSION_END of ${command}`, 30_000);

describe('session end', () => {
  it('a client that disconnects leaves nothing running in the container', async () => {
    const command = 'sleep 301 & sleep 302; echo never';
    const child = spawn('/usr/bin/ssh', sshArgs(pg, 'alice+web-7d9f', [command]), { stdio: 'ignore' });
    child.on('error', () => {});
    await waitFor(async () => (await emu.processes('default', 'web-7d9f', 'app')).some((p) => p.args.includes('sleep 302')), 'sleep 302 running', 20_000);
    child.kill('SIGKILL');
    const end = await endOf(command);
    expect(end['reason']).toBe('client-closed');
    const reap = await waitFor(() => pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === end['sessionId']), 'REAP');
    expect(Number(reap['found'])).toBeGreaterThanOrEqual(2);
    const left = await emu.processes('default', 'web-7d9f', 'app');
    expect(left.filter((p) => /sleep 30[12]/.test(p.args))).toEqual([]);
  }, 60_000);

  it('an idle session is ended after idleTimeoutSeconds with a message and 255', async () => {
    const r = await ssh(pg, 'alice+web-7d9f', ['sleep 40'], { timeoutMs: 30_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toBe('podgate: session closed after being idle too long\n');
    expect((await endOf('sleep 40'))['reason']).toBe('idle-timeout');
  }, 40_000);

  it('a busy session is ended at maxSessionSeconds', async () => {
    const command = 'while :; do echo tick; sleep 1; done';
    const started = Date.now();
    const r = await ssh(pg, 'alice+web-7d9f', [command], { timeoutMs: 30_000 });
    expect(r.code).toBe(255);
    expect(Date.now() - started).toBeGreaterThan(7000);
    expect(r.stdout.toString()).toMatch(/^(tick\n)+$/);
    expect(r.stderr).toBe('podgate: session reached its maximum duration\n');
    expect((await endOf(command))['reason']).toBe('max-time');
  }, 40_000);

  it('keepalive detects a dead client (stopped process) and ends its session', async () => {
    const command = 'while :; do echo alive; sleep 0.5; done';
    const child = spawn('/usr/bin/ssh', sshArgs(pg, 'alice+web-7d9f', [command]), { stdio: 'ignore' });
    child.on('error', () => {});
    try {
      await waitFor(() => pg.logs().some((l) => l['code'] === 'SESSION_START' && l['command'] === command), 'session start');
      const connId = pg.logs().find((l) => l['code'] === 'SESSION_START' && l['command'] === command)!['connId'];
      child.kill('SIGSTOP');
      const closed = await waitFor(() => pg.logs().find((l) => l['code'] === 'CONNECTION_CLOSED' && l['connId'] === connId), 'CONNECTION_CLOSED', 30_000);
      expect(closed['reason']).toBe('keepalive-timeout');
      expect((await endOf(command))['reason']).toBe('client-closed');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
