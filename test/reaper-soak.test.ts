/**
 * Issue #4 soak, direct half: 200 sessions of mixed kinds, in batches, cut abruptly (the stream
 * dropped, half of them at once before they are even set up) and reaped in parallel through
 * podgate's kube client against the emulator. Afterwards the containers hold nothing but their
 * main processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { createKubeApi, type KubeClient } from '../src/kube/index.ts';
import type { ExecSession } from '../src/kube/types.ts';
import { createReaper } from '../src/session/reaper.ts';
import { REAP_PODS, pollUntil } from './helpers/reap-matrix.ts';
import type { ReapReport, ReapTarget, SessionReaper } from '../src/session/reaper-types.ts';

const SESSIONS = 200;
const BATCH = 40;
const GRACE_MS = 1000;
const MIX: { command: string | null; tty: boolean; input?: string }[] = [
  { command: 'sleep 1000', tty: false },
  { command: 'sleep 1000 & sleep 1001 & exit 0', tty: false },
  { command: null, tty: true, input: 'sleep 1000 &\n' },
  { command: 'trap "" TERM HUP; sleep 1000', tty: false },
  { command: 'cat', tty: false },
  { command: 'command -v nohup >/dev/null || nohup() { trap "" HUP; exec "$@"; }; nohup sleep 1000 >/dev/null 2>&1 &', tty: false },
  { command: 'sh -c "sleep 1000 & sleep 1001" & wait', tty: false },
];

const logger = pino({ level: 'silent' });
const RUN = randomBytes(3).toString('hex');
let emu: Emulator;
let kube: KubeClient;
let tmp: string;
let reaper: SessionReaper;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'reaper-soak-'));
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  emu.writeKubeconfig(join(tmp, 'kubeconfig'), { token: 'podgate-token' });
  kube = createKubeApi({ kubeconfig: join(tmp, 'kubeconfig'), requestTimeoutMs: 30_000 });
  reaper = createReaper({ executor: kube, stateDir: join(tmp, 'state'), graceMs: GRACE_MS, logger });
}, 120_000);

afterAll(async () => {
  kube?.close();
  await emu?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 120_000);

async function pids(t: ReapTarget): Promise<number[]> {
  return (await emu.processes(t.namespace, t.pod, t.container)).map((p) => p.pid).sort((a, b) => a - b);
}


interface Live {
  id: string;
  target: ReapTarget;
  exec: ExecSession;
}

async function open(n: number): Promise<Live> {
  const target = REAP_PODS[n % REAP_PODS.length];
  const kind = MIX[Math.floor(n / REAP_PODS.length) % MIX.length];
  const id = `soak-${RUN}-${n}`;
  const exec = await kube.exec({
    ...target,
    command: reaper.wrap(id, kind.command, kind.tty),
    stdin: true,
    tty: kind.tty,
    ...(kind.tty ? { size: { cols: 80, rows: 24 } } : {}),
  });
  exec.stdout.on('data', () => undefined);
  exec.stdout.on('error', () => undefined);
  exec.stderr?.on('data', () => undefined);
  exec.stderr?.on('error', () => undefined);
  exec.stdin?.on('error', () => undefined);
  if (kind.input) exec.stdin!.write(kind.input);
  return { id, target, exec };
}

describe('reaper soak against the emulator', () => {
  it(`${SESSIONS} mixed sessions cut abruptly leave no process behind`, async () => {
    const baseline = new Map<string, number[]>();
    for (const t of REAP_PODS) baseline.set(t.pod, await pids(t));
    const reports: ReapReport[] = [];
    const cleanTimes: number[] = [];
    let peak = 0;
    for (let start = 0; start < SESSIONS; start += BATCH) {
      const ns = Array.from({ length: Math.min(BATCH, SESSIONS - start) }, (_, i) => start + i);
      const live = await Promise.all(ns.map((n) => open(n)));
      // Half are cut at once (their wrapper may not even have run); the rest once set up.
      const early = live.filter((_, i) => i % 2 === 0);
      const late = live.filter((_, i) => i % 2 === 1);
      const reapAll = (ls: Live[]): Promise<ReapReport[]> => Promise.all(ls.map((l) => {
        l.exec.abort();
        return reaper.reap(l.target, l.id, 'client-closed');
      }));
      const earlyReaps = reapAll(early);
      await new Promise((r) => setTimeout(r, 1500));
      for (const t of REAP_PODS) peak = Math.max(peak, (await pids(t)).length - baseline.get(t.pod)!.length);
      const t0 = Date.now();
      const lateReports = await reapAll(late);
      reports.push(...(await earlyReaps), ...lateReports);
      const clean = await pollUntil(async () => {
        for (const t of REAP_PODS) {
          const now = await pids(t);
          const base = baseline.get(t.pod)!;
          if (now.length !== base.length || now.some((p, i) => p !== base[i])) return false;
        }
        return true;
      }, 10_000);
      cleanTimes.push(Date.now() - t0);
      for (const t of REAP_PODS) {
        expect(await emu.processes(t.namespace, t.pod, t.container), `left in ${t.pod} after sessions ${start}..${start + ns.length - 1}`)
          .toHaveLength(baseline.get(t.pod)!.length);
      }
      expect(clean).toBe(true);
      await Promise.all(live.map((l) => l.exec.done));
    }
    const outcomes = reports.reduce<Record<string, number>>((m, r) => ({ ...m, [r.outcome]: (m[r.outcome] ?? 0) + 1 }), {});
    const found = reports.reduce((n, r) => n + r.found.length, 0);
    console.log(`reaper-soak: ${reports.length} sessions, peak ${peak} session processes alive in one container, ${found} processes found and ended, outcomes ${JSON.stringify(outcomes)}, leftovers 0, time to a clean container per batch ${cleanTimes.join('/')} ms`);
    expect(reports).toHaveLength(SESSIONS);
    expect(outcomes['failed'] ?? 0).toBe(0);
    expect(outcomes['kill'] ?? 0).toBeGreaterThan(0);
  }, 400_000);
});
