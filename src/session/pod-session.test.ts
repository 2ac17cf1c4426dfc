import { Duplex, PassThrough, Readable, Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { PodgateConfig, UserConfig } from '../config/types.ts';
import type { ExecRequest, ExecSession, KubeApi } from '../kube/types.ts';
import { parseTarget } from '../target/grammar.ts';
import { ActiveSessions } from './active-sessions.ts';
import { emptyExtensions } from './extensions.ts';
import { PodSession } from './pod-session.ts';
import { singleCluster } from '../clusters/choose.ts';

const oneCluster = (kube: KubeApi) => ({ kube, cluster: 'default', clusters: singleCluster(kube) });

/** A session channel as the SSH layer hands it over: records stdout, stderr, exit and end. */
class FakeChannel extends Duplex {
  readonly events: string[] = [];
  readonly out: Buffer[] = [];
  readonly err: Buffer[] = [];
  readonly stderr = new Writable({
    write: (c: Buffer, _e, cb) => {
      this.err.push(c);
      cb();
    },
  });
  override _read(): void {}
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.out.push(c);
    cb();
  }
  override _final(cb: () => void): void {
    this.events.push('end');
    cb();
    this.destroy();
  }
  exit(code: number): void {
    this.events.push(`exit:${code}`);
  }
}

const pod = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app' }] }, status: { phase: 'Running', containerStatuses: [{ name: 'app', state: { running: {} } }] } };

function fakeKube(run: (req: ExecRequest) => { out: string; err: string; code: number }, calls: ExecRequest[]): KubeApi {
  return {
    getPod: async () => pod as never,
    listPods: async () => [],
    getWorkloadSelector: async () => null,
    canI: async (_id, check) => ({ allowed: check.namespace !== 'secret' }),
    exec: async (req): Promise<ExecSession> => {
      calls.push(req);
      const r = run(req);
      const stdin = new PassThrough();
      stdin.resume();
      const stdout = Readable.from([Buffer.from(r.out)]);
      const stderr = Readable.from([Buffer.from(r.err)]);
      const ended = (s: Readable) => new Promise((res) => s.once('end', res));
      const done = Promise.all([ended(stdout), ended(stderr)]).then(() => ({ exitCode: r.code }));
      return { stdin, stdout, stderr, resize: () => {}, done, abort: () => {} };
    },
    portForward: async () => { throw new Error('no'); },
    logs: async () => { throw new Error('no'); },
  };
}

const user: UserConfig = { name: 'alice', publicKeys: [], kubernetes: { user: 'alice', groups: ['dev'] }, allow: { shell: true, forwarding: true, sftp: true, console: true, logs: true, watch: false, recordings: false, web: false } };
const config = {
  defaultNamespace: 'default', session: { envAllow: ['LANG', 'LC_*', 'TERM'] },
  limits: { idleTimeoutSeconds: 0, maxSessionSeconds: 0 },
} as unknown as PodgateConfig;

function session(kube: KubeApi, target: string) {
  return new PodSession({
    userCtx: { connId: 'c1', user, identity: { user: 'alice', groups: ['dev'] }, kube, cluster: 'default', clusters: singleCluster(kube), config, logger: pino({ level: 'silent' }) },
    target: parseTarget(target), targetError: null, reaper: undefined, extensions: emptyExtensions(), active: new ActiveSessions(),
  });
}

describe('PodSession', () => {
  it('drains stdout and stderr, then exit-status, then end; env and TERM reach the argv', async () => {
    const calls: ExecRequest[] = [];
    const s = session(fakeKube(() => ({ out: 'hello', err: 'oops', code: 3 }), calls), 'p');
    const ch = new FakeChannel();
    expect(s.onEnv('LANG', 'C.UTF-8')).toBe(true);
    expect(s.onEnv('LD_PRELOAD', '/x.so')).toBe(false);
    expect(s.onPty({ term: 'xterm-256color', cols: 80, rows: 24, width: 0, height: 0 })).toBe(true);
    s.onStart({ type: 'exec', command: 'echo hi' }, ch);
    await s.finished;
    expect(Buffer.concat(ch.out).toString()).toBe('hello');
    expect(Buffer.concat(ch.err).toString()).toBe('oops');
    expect(ch.events).toEqual(['exit:3', 'end']);
    expect(calls[0].command).toEqual(['env', 'LANG=C.UTF-8', 'TERM=xterm-256color', '/bin/sh', '-c', 'echo hi']);
    expect(calls[0]).toMatchObject({ tty: true, size: { cols: 80, rows: 24 }, identity: { user: 'alice', groups: ['dev'] } });
  });

  it('a denied session prints one podgate: line and exits 255 without opening an exec', async () => {
    const calls: ExecRequest[] = [];
    const s = session(fakeKube(() => ({ out: '', err: '', code: 0 }), calls), 'p.secret');
    const ch = new FakeChannel();
    s.onStart({ type: 'shell' }, ch);
    await s.finished;
    expect(Buffer.concat(ch.err).toString()).toBe('podgate: alice may not exec into pods in namespace "secret"\n');
    expect(ch.events).toEqual(['exit:255', 'end']);
    expect(calls).toHaveLength(0);
  });

  it('a client that closes before the exec opens gets no exec', async () => {
    const calls: ExecRequest[] = [];
    const s = session(fakeKube(() => ({ out: '', err: '', code: 0 }), calls), 'p');
    const ch = new FakeChannel();
    s.onStart({ type: 'exec', command: 'true' }, ch);
    s.onClose();
    ch.destroy();
    await s.finished;
    expect(calls).toHaveLength(0);
  });

  it('without a console handler, a target-less session is told to use USER+POD', async () => {
    const s = new PodSession({
      userCtx: { connId: 'c1', user, identity: { user: 'alice', groups: [] }, ...oneCluster(fakeKube(() => ({ out: '', err: '', code: 0 }), [])), config, logger: pino({ level: 'silent' }) },
      target: null, targetError: null, reaper: undefined, extensions: emptyExtensions(), active: new ActiveSessions(),
    });
    const ch = new FakeChannel();
    s.onStart({ type: 'shell' }, ch);
    await s.finished;
    expect(Buffer.concat(ch.err).toString()).toBe('podgate: no target given; use USER+POD\n');
    expect(ch.events).toEqual(['exit:255', 'end']);
  });
  it('subsystem names are looked up as own entries only, and sftp follows allow.sftp', () => {
    const kube = fakeKube(() => ({ out: '', err: '', code: 0 }), []);
    const ext = { ...emptyExtensions(), subsystems: { sftp: async () => ({ exitCode: 0 }) } };
    const make = (sftp: boolean) => new PodSession({
      userCtx: { connId: 'c1', user: { ...user, allow: { ...user.allow, sftp } }, identity: { user: 'alice', groups: [] }, kube, cluster: 'default', clusters: singleCluster(kube), config, logger: pino({ level: 'silent' }) },
      target: parseTarget('p'), targetError: null, reaper: undefined, extensions: ext, active: new ActiveSessions(),
    });
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(make(true).canSubsystem(name), name).toBe(false);
    expect(make(true).canSubsystem('sftp')).toBe(true);
    expect(make(false).canSubsystem('sftp')).toBe(false);
  });

  it('allowed env reaches the user command, never a helper exec', async () => {
    const calls: ExecRequest[] = [];
    const ext = { ...emptyExtensions(), subsystems: { sftp: async (_ch: unknown, ctx: { helperArgv(s: string): string[] }) => { calls.push({ command: ctx.helperArgv('helper') } as ExecRequest); return { exitCode: 0 }; } } };
    const s = new PodSession({
      userCtx: { connId: 'c1', user, identity: { user: 'alice', groups: [] }, ...oneCluster(fakeKube(() => ({ out: '', err: '', code: 0 }), [])), config, logger: pino({ level: 'silent' }) },
      target: parseTarget('p'), targetError: null, reaper: undefined, extensions: ext, active: new ActiveSessions(),
    });
    expect(s.onEnv('LC_ALL', 'C')).toBe(true);
    s.onStart({ type: 'subsystem', name: 'sftp' }, new FakeChannel());
    await s.finished;
    expect(calls[0].command).toEqual(['/bin/sh', '-c', 'helper']);
  });
});
