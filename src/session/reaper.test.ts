import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { PodgateError } from '../errors/index.ts';
import type { ExecOutcome, ExecRequest, ExecSession, PodExecutor } from '../kube/types.ts';
import { createReaper } from './reaper.ts';

/**
 * A PodExecutor that runs argv as a local process (the "container" is this machine), like
 * the emulator's debian image. Every process gets REAPER_TEST=<tag> in its environment, which
 * survives setsid and daemonizing, so the test can see what is left without trusting the
 * reaper's own bookkeeping.
 */
const RUN = randomBytes(4).toString('hex');
const shells = [{ name: 'dash', argv0: ['/usr/bin/dash'] }, { name: 'busybox ash', argv0: ['/usr/bin/busybox', 'sh'] }];

function localExecutor(argv0: string[], calls: ExecRequest[] = [], path?: string): PodExecutor {
  return {
    async exec(req) {
      calls.push(req);
      const [, ...rest] = req.command;
      const tag = `${RUN}-${req.pod}`;
      const child = spawn(argv0[0], [...argv0.slice(1), ...rest], { env: { ...process.env, ...(path ? { PATH: path } : {}), REAPER_TEST: tag }, stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      child.stdout.pipe(stdout);
      child.stderr.pipe(stderr);
      child.stdin.on('error', () => undefined);
      const done = new Promise<ExecOutcome>((resolve) => {
        child.on('error', (err) => resolve({ error: new PodgateError('API_ERROR', undefined, { operatorMessage: err.message }) }));
        child.on('close', (code, signal) => resolve({ exitCode: code ?? 128 + signalNumber(signal) }));
      });
      const session: ExecSession = {
        stdin: req.stdin ? child.stdin : null,
        stdout,
        stderr,
        resize: () => undefined,
        done,
        abort: () => {
          child.stdout.unpipe(stdout);
          child.stderr.unpipe(stderr);
          stdout.end();
          stderr.end();
        },
      };
      return session;
    },
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGHUP' ? 1 : 0;
}

/** Live (non-zombie) pids whose environment carries REAPER_TEST=<tag>. */
/** The command lines of the live processes tagged `tag`, space-joined. */
async function cmdlines(tag: string): Promise<string[]> {
  const pids = await tagged(tag);
  return Promise.all(pids.map(async (pid) => (await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')).split('\0').filter(Boolean).join(' ')));
}

async function tagged(tag: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const env = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (!env.split('\0').includes(`REAPER_TEST=${tag}`)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'latin1').catch(() => '');
    if (stat && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') pids.push(Number(name));
  }
  return pids;
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

const dirs: string[] = [];
afterAll(async () => {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const env = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (env.includes(`REAPER_TEST=${RUN}`)) {
      try { process.kill(Number(name), 'SIGKILL'); } catch { /* gone */ }
    }
  }
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function stateDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'reaper-state-'));
  dirs.push(d);
  return d;
}

const logger = pino({ level: 'silent' });
const identity = { user: 'alice', groups: ['dev'] };
let seq = 0;
const nextId = (): string => `t${RUN}-${++seq}`;
const target = (pod: string) => ({ namespace: 'prod', pod, container: 'app', identity });

async function start(executor: PodExecutor, reaper: ReturnType<typeof createReaper>, pod: string, command: string | null) {
  const id = nextId();
  const exec = await executor.exec({ ...target(pod), command: reaper.wrap(id, command, false), stdin: true, tty: false });
  let out = '';
  exec.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  exec.stderr?.on('data', () => undefined);
  return { id, exec, output: () => out };
}

for (const sh of shells) {
  describe(`reaper with ${sh.name} as /bin/sh`, () => {
    it('runs a command unchanged: output, stdin EOF and exit status', async () => {
      const executor = localExecutor(sh.argv0);
      const reaper = createReaper({ executor, stateDir: await stateDir(), graceMs: 500, logger });
      const s = await start(executor, reaper, `plain-${sh.name.length}`, 'read x; echo "got $x"; echo $0 $#; exit 7');
      s.exec.stdin!.end('hello\n');
      expect(await s.exec.done).toEqual({ exitCode: 7 });
      expect(s.output()).toBe('got hello\nsh 0\n');
      const report = await reaper.reap(target('x'), s.id, 'exit');
      expect(report.outcome).toBe('none');
      expect(report.found).toEqual([]);
    });

    it('ends background, nohup and TERM-ignoring children, and leaves another session alone', async () => {
      const executor = localExecutor(sh.argv0);
      const reaper = createReaper({ executor, stateDir: await stateDir(), graceMs: 800, logger });
      const victimPod = `victim-${sh.name.length}`;
      const otherPod = `other-${sh.name.length}`;
      const victim = await start(executor, reaper, victimPod, 'sleep 1000 & nohup sleep 1001 >/dev/null 2>&1 & trap "" TERM HUP; sleep 1002');
      const other = await start(executor, reaper, otherPod, 'sleep 1003');
      expect(await waitFor(async () => (await tagged(`${RUN}-${victimPod}`)).length >= 4, 10_000)).toBe(true);
      // The other session must be fully up (its wrapper has exec'd `sleep 1003`) before its
      // processes are noted, or a start-up step still running would read as a change.
      expect(await waitFor(async () => (await cmdlines(`${RUN}-${otherPod}`)).includes('sleep 1003'), 10_000)).toBe(true);
      const before = await tagged(`${RUN}-${otherPod}`);
      victim.exec.abort();
      const report = await reaper.reap(target(victimPod), victim.id, 'client-closed');
      expect(report.outcome).toBe('kill');
      expect(report.found.map((p) => p.args).join('\n')).toContain('sleep 1001');
      expect(await waitFor(async () => (await tagged(`${RUN}-${victimPod}`)).length === 0, 5_000)).toBe(true);
      expect(await tagged(`${RUN}-${otherPod}`)).toEqual(before);
      const second = await reaper.reap(target(otherPod), other.id, 'exit');
      expect(second.outcome).toBe('term');
      expect(await waitFor(async () => (await tagged(`${RUN}-${otherPod}`)).length === 0, 5_000)).toBe(true);
    });
  });
}

describe('reaper with leftover markers', () => {
  it('replaces stale markers of the same name, whoever owns them (root may)', async () => {
    const executor = localExecutor(shells[1].argv0);
    const reaper = createReaper({ executor, stateDir: await stateDir(), graceMs: 500, logger });
    const stale = nextId();
    const planted = nextId();
    await writeFile(`/tmp/.podgate-${stale}`, '1 0 s\n');
    await writeFile(`/tmp/.podgate-${planted}`, '1 0 s\n');
    await chown(`/tmp/.podgate-${planted}`, 65534, 65534);
    try {
      for (const [id, pod] of [[stale, 'stale'], [planted, 'planted']] as const) {
        const exec = await executor.exec({ ...target(pod), command: reaper.wrap(id, 'sleep 1000', false), stdin: false, tty: false });
        exec.stdout.on('data', () => undefined);
        expect(await waitFor(async () => (await tagged(`${RUN}-${pod}`)).length >= 2, 10_000)).toBe(true);
        const report = await reaper.reap(target(pod), id, 'exit');
        expect(report.outcome, pod).toBe('term');
        expect(await waitFor(async () => (await tagged(`${RUN}-${pod}`)).length === 0, 5_000)).toBe(true);
      }
      const [pid] = (await readFile(`/tmp/.podgate-${planted}`, 'utf8').catch(() => '0')).split(' ');
      expect(pid).not.toBe('1');
    } finally {
      await rm(`/tmp/.podgate-${stale}`, { force: true });
      await rm(`/tmp/.podgate-${planted}`, { force: true });
    }
  });
});

describe('reaper in a container without setsid, cat, tr or sleep', () => {
  it('falls back to ending the process tree under the session', async () => {
    const bin = await stateDir();
    await symlink('/usr/bin/dash', join(bin, 'sh'));
    const executor = localExecutor(shells[0].argv0, [], bin);
    const reaper = createReaper({ executor, stateDir: await stateDir(), graceMs: 500, logger });
    const s = await start(executor, reaper, 'bare', '/bin/sleep 1000 & /bin/sleep 1001');
    expect(await waitFor(async () => (await tagged(`${RUN}-bare`)).length === 3, 10_000)).toBe(true);
    s.exec.abort();
    const report = await reaper.reap(target('bare'), s.id, 'client-closed');
    // Without `sleep` the script polls busily; on a loaded box the grace may run out first.
    expect(['term', 'kill']).toContain(report.outcome);
    expect(report.found.map((p) => p.args).sort()).toEqual(['sh', 'sleep', 'sleep']);
    expect(await waitFor(async () => (await tagged(`${RUN}-bare`)).length === 0, 5_000)).toBe(true);
  });
});

describe('reaper journal and failures', () => {
  it('recover() reaps what a crashed podgate journaled, then forgets it', async () => {
    const executor = localExecutor(shells[0].argv0);
    const dir = await stateDir();
    const first = createReaper({ executor, stateDir: dir, graceMs: 500, logger });
    const a = await start(executor, first, 'crash-a', 'sleep 1000 & exit 0');
    const b = await start(executor, first, 'crash-b', 'cat');
    await first.track(target('crash-a'), a.id);
    await first.track(target('crash-b'), b.id);
    expect(await waitFor(async () => (await tagged(`${RUN}-crash-a`)).length === 1 && (await tagged(`${RUN}-crash-b`)).length >= 1, 10_000)).toBe(true);
    const calls: ExecRequest[] = [];
    const restarted = createReaper({ executor: localExecutor(shells[0].argv0, calls), stateDir: dir, graceMs: 500, logger });
    const reports = await restarted.recover();
    expect(reports.map((r) => r.outcome).sort()).toEqual(['term', 'term']);
    expect(calls.every((c) => c.identity.user === 'alice' && c.identity.groups[0] === 'dev')).toBe(true);
    expect(await tagged(`${RUN}-crash-a`)).toEqual([]);
    expect(await tagged(`${RUN}-crash-b`)).toEqual([]);
    expect(await restarted.recover()).toEqual([]);
  });

  it('recover() leaves alone the sessions its own podgate is running', async () => {
    const executor = localExecutor(shells[0].argv0);
    const reaper = createReaper({ executor, stateDir: await stateDir(), graceMs: 500, logger });
    const live = await start(executor, reaper, 'own', 'sleep 1000');
    await reaper.track(target('own'), live.id);
    expect(await waitFor(async () => (await tagged(`${RUN}-own`)).length >= 1, 10_000)).toBe(true);
    expect(await reaper.recover()).toEqual([]);
    expect((await tagged(`${RUN}-own`)).length).toBeGreaterThanOrEqual(1);
    expect((await reaper.reap(target('own'), live.id, 'exit')).outcome).toBe('term');
    await reaper.untrack(live.id);
  });

  it('reports a refused exec as failed and keeps the journal entry only while the API is unreachable', async () => {
    const dir = await stateDir();
    let code: 'API_UNREACHABLE' | 'POD_NOT_FOUND' = 'API_UNREACHABLE';
    const executor: PodExecutor = { exec: () => Promise.reject(new PodgateError(code)) };
    await createReaper({ executor, stateDir: dir, graceMs: 100, logger }).track(target('gone'), 'sess-1');
    const reaper = createReaper({ executor, stateDir: dir, graceMs: 100, logger });
    const [r1] = await reaper.recover();
    expect(r1).toMatchObject({ sessionId: 'sess-1', outcome: 'failed' });
    expect(r1.error).toContain('API_UNREACHABLE');
    code = 'POD_NOT_FOUND';
    expect((await reaper.recover()).map((r) => r.outcome)).toEqual(['failed']);
    expect(await reaper.recover()).toEqual([]);
  });

  it('tries the reap exec again when the API times out', async () => {
    const local = localExecutor(shells[0].argv0);
    const dir = await stateDir();
    const reaper = createReaper({ executor: local, stateDir: dir, graceMs: 500, logger });
    const s = await start(local, reaper, 'retry', 'sleep 1000');
    expect(await waitFor(async () => (await tagged(`${RUN}-retry`)).length >= 2, 10_000)).toBe(true);
    let calls = 0;
    const flaky: PodExecutor = {
      exec: (req) => (++calls === 1 ? Promise.reject(new PodgateError('API_TIMEOUT')) : local.exec(req)),
    };
    const report = await createReaper({ executor: flaky, stateDir: dir, graceMs: 500, logger }).reap(target('retry'), s.id, 'client-closed');
    expect(calls).toBe(2);
    expect(report.outcome).toBe('term');
    expect(await waitFor(async () => (await tagged(`${RUN}-retry`)).length === 0, 5_000)).toBe(true);
  });

  it('does not retry in a container without /bin/sh, and forgets such a session', async () => {
    let calls = 0;
    const operatorMessage = 'exec status: InternalError: OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown';
    const executor: PodExecutor = {
      exec: () => {
        calls++;
        return Promise.reject(new PodgateError('API_ERROR', undefined, { operatorMessage }));
      },
    };
    const dir = await stateDir();
    await createReaper({ executor, stateDir: dir, graceMs: 100, logger }).track(target('distroless'), 'sess-ns');
    const reaper = createReaper({ executor, stateDir: dir, graceMs: 100, logger });
    const [report] = await reaper.recover();
    expect(calls).toBe(1);
    expect(report).toMatchObject({ outcome: 'failed' });
    expect(report.error).toMatch(/^NO_SHELL: /);
    expect(await reaper.recover()).toEqual([]);
  });

  it('refuses session ids that could reach outside the marker name', () => {
    const reaper = createReaper({ executor: localExecutor(shells[0].argv0), stateDir: '/nonexistent', graceMs: 100, logger });
    expect(() => reaper.wrap('../etc', null, true)).toThrow(TypeError);
    expect(reaper.wrap('abc-1', null, true).slice(3)).toEqual(['sh', 'abc-1', 'lt', '']);
  });
});
