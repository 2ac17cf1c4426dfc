/**
 * A detached session is still a session: it ends at `limits.maxSessionSeconds`, it is ended and
 * reaped when podgate drains (SIGTERM), and after a podgate crash the journal still reaps it on
 * the next start. Each case starts a shell in the busybox pod with a recognizable background
 * `sleep`, kills the OpenSSH client (tmux), and watches the sleep go.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { tmuxTracker, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
const tmp = mkdtempSync(join(tmpdir(), 'podgate-sessions-life-'));
const tmuxes = tmuxTracker();
const podgates: Podgate[] = [];

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
}, 60_000);

afterAll(async () => {
  tmuxes.killAll();
  for (const p of podgates) await p.stop(10_000);
  await emu?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function start(patch: Record<string, unknown>): Promise<Podgate> {
  const pg = await startPodgate({ emulator: emu, configPatch: { sessions: { detachGraceSeconds: 300 }, ...patch } });
  podgates.push(pg);
  return pg;
}

const sleeping = (secs: number): Promise<boolean> =>
  emu.processes('prod', 'tiny', 'sh').then((ps) => ps.some((p) => p.args === `sleep ${secs}`));

/** A shell in tiny.prod running `sleep N &`, whose client is then killed: the detached session's id. */
async function detachedSleeper(pg: Podgate): Promise<{ id: string; secs: number }> {
  const secs = 10_000 + Math.floor(Math.random() * 10_000);
  const t = tmuxes.start(pg, 'alice+tiny.prod', [], { cols: 80, rows: 24 });
  t.type(`sleep ${secs} & echo bg-$((4+4))`, true);
  await t.waitFor(/^bg-8$/m);
  await waitFor(() => sleeping(secs), 'the sleep');
  const started = pg.logs().filter((l) => l['code'] === 'SESSION_START' && l['pod'] === 'tiny');
  const id = String(started[started.length - 1]['sessionId']);
  t.kill();
  await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_DETACH' && l['sessionId'] === id), 'SESSION_DETACH');
  return { id, secs };
}

describe('detached sessions end like any other', () => {
  it('at limits.maxSessionSeconds', async () => {
    const pg = await start({ limits: { maxSessionSeconds: 8 } });
    const { id, secs } = await detachedSleeper(pg);
    const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['sessionId'] === id), 'SESSION_END', 40_000, 250);
    expect(end).toMatchObject({ reason: 'max-time' });
    await waitFor(() => pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === id), 'REAP');
    expect(await sleeping(secs)).toBe(false);
  }, 90_000);

  it('when podgate drains (SIGTERM)', async () => {
    const pg = await start({ limits: { shutdownGraceSeconds: 2 } });
    const { id, secs } = await detachedSleeper(pg);
    expect(await sleeping(secs)).toBe(true);
    pg.kill('SIGTERM');
    expect(await pg.exited).toBe(0);
    expect(pg.logs().find((l) => l['code'] === 'SESSION_END' && l['sessionId'] === id)).toMatchObject({ reason: 'shutdown' });
    const reap = pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === id);
    expect(reap?.['outcome']).not.toBe('failed');
    expect(await sleeping(secs)).toBe(false);
  }, 90_000);

  it('after a podgate crash, from the journal, on the next start', async () => {
    const stateDir = join(tmp, 'state-crash');
    const pg = await start({ stateDir });
    const { id, secs } = await detachedSleeper(pg);
    pg.kill('SIGKILL');
    await pg.exited;
    expect(await sleeping(secs)).toBe(true); // nobody ended it: podgate is gone
    const next = await start({ stateDir });
    const reap = await waitFor(() => next.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === id), 'REAP on recovery', 60_000);
    expect(reap).toMatchObject({ reason: 'recover' });
    expect(await sleeping(secs)).toBe(false);
  }, 120_000);
});
