/**
 * Processes of non-PTY sessions with `sessions.detachGraceSeconds`, tested the way VS Code
 * Remote-SSH works: `ssh -T -D PORT alice+web-7d9f bash` with an install script on stdin that
 * starts a background server in the pod. The client is killed; a reconnect within the grace
 * finds the server still answering through -D, and keeps it past the first grace (adoption);
 * with nobody back, it is reaped when the grace runs out.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { waitFor } from './helpers/ssh.ts';
import { waitListening } from './forward-helpers.ts';
import { ANSWER, fetchVia, ideConnect as connectIde, installScript, serverRunning as runningIn, type Ide } from './helpers/ide.ts';

const GRACE = 12;
let emu: Emulator;
let pg: Podgate;
const clients: ChildProcess[] = [];

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { sessions: { detachGraceSeconds: GRACE } } });
}, 90_000);

afterAll(async () => {
  for (const c of clients) if (c.exitCode === null) c.kill('SIGKILL');
  await pg?.stop();
  await emu?.close();
});

const ideConnect = (script: string[]): Promise<Ide> => connectIde(pg, script, clients);
const serverRunning = (podPort: number): Promise<boolean> => runningIn(emu, podPort);

function lastBashSessionId(): string {
  const start = pg.logs().filter((l) => l['code'] === 'SESSION_START' && l['command'] === 'bash' && l['pty'] === false);
  return String(start[start.length - 1]['sessionId']);
}

describe('non-PTY processes linger for the grace', () => {
  it('a reconnect within the grace finds the server answering through -D, and keeps it past the first grace', async () => {
    const podPort = 20_000 + Math.floor(Math.random() * 20_000);
    const first = await ideConnect(installScript(podPort));
    await waitFor(() => first.out().includes(`listeningOn==${podPort}==`), 'first install', 30_000);
    expect(first.out()).toContain('started=yes');
    await waitListening(first.socks);
    expect((await fetchVia(first.socks, podPort)).stdout.toString()).toBe(ANSWER);
    const firstId = lastBashSessionId();

    first.child.kill('SIGKILL'); // the laptop sleeps
    const linger = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_LINGER' && l['sessionId'] === firstId), 'SESSION_LINGER');
    expect(linger).toMatchObject({ user: 'alice', pod: 'web-7d9f', graceSeconds: GRACE });
    expect(pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === firstId)).toBeUndefined();

    const second = await ideConnect(installScript(podPort));
    await waitFor(() => second.out().includes(`listeningOn==${podPort}==`), 'second install', 30_000);
    expect(second.out()).not.toContain('started=yes'); // found the old server running
    await waitListening(second.socks);
    expect((await fetchVia(second.socks, podPort)).stdout.toString()).toBe(ANSWER);
    const adopted = pg.logs().find((l) => l['code'] === 'PROCESSES_ADOPTED' && (l['adopted'] as string[]).includes(firstId));
    expect(adopted).toMatchObject({ user: 'alice', pod: 'web-7d9f', container: 'app' });

    // Past the first connection's grace: adopted, so still running.
    await new Promise((r) => setTimeout(r, (GRACE + 3) * 1000));
    expect((await fetchVia(second.socks, podPort)).stdout.toString()).toBe(ANSWER);
    expect(pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === firstId)).toBeUndefined();

    // The second connection goes for good: after its grace, both sessions' processes are reaped.
    const secondId = lastBashSessionId();
    second.child.kill('SIGKILL');
    for (const id of [firstId, secondId]) {
      const reap = await waitFor(() => pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === id), `REAP of ${id}`, (GRACE + 40) * 1000, 500);
      expect(reap['outcome']).not.toBe('failed');
      expect(reap['reason']).toBe('detach-expired');
    }
    await waitFor(async () => !(await serverRunning(podPort)), 'the server gone', 20_000);
  }, 180_000);

  it('with nobody back, the processes are reaped when the grace runs out (not before)', async () => {
    const podPort = 20_000 + Math.floor(Math.random() * 20_000);
    const ide = await ideConnect(installScript(podPort));
    await waitFor(() => ide.out().includes(`listeningOn==${podPort}==`), 'install', 30_000);
    const id = lastBashSessionId();
    ide.child.kill('SIGKILL');
    await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_LINGER' && l['sessionId'] === id), 'SESSION_LINGER');
    const lingeredAt = Date.now();
    expect(await serverRunning(podPort)).toBe(true);
    const expired = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_GRACE_EXPIRED' && l['sessionId'] === id), 'grace expiry', (GRACE + 30) * 1000, 500);
    expect(expired).toMatchObject({ kind: 'linger', user: 'alice' });
    expect(Date.now() - lingeredAt).toBeGreaterThanOrEqual((GRACE - 1) * 1000);
    const reap = await waitFor(() => pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === id), 'REAP', 30_000);
    expect(reap).toMatchObject({ reason: 'detach-expired' });
    expect(reap['found']).toBeGreaterThanOrEqual(1);
    expect(await serverRunning(podPort)).toBe(false);
  }, 120_000);
});
