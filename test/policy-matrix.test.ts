/**
 * Every allow.* combination against every path, with real clients: OpenSSH ssh (exec, -tt
 * shell), scp (SFTP mode), scp -O, sftp, rsync, ssh -L, ssh -D, ssh -J (a command and an scp
 * through the jump), and the console (`pods`, `logs`). One emulator and one podgate; the
 * combinations are users of that podgate with different allow sets (all the same Kubernetes
 * identity, so RBAC is constant and only the config differs).
 *
 * The oracle (`expected`) is written here from docs/policy.md, independently of src/policy.
 * Whatever writes into the pod targets a fresh marker path in the (host-filesystem) debian pod:
 * a marker exists exactly when the path was allowed, so nothing ran that should not have, and
 * everything allowed did work.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { background, freePort, stopAllBackground, waitListening } from './forward-helpers.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh } from './helpers/ssh.ts';

const POD = 'web-5d4c8b-q7m4z';
const TARGET = `${POD}.prod`;
const dev = { user: 'alice', groups: ['dev'] };

interface Allow { shell?: boolean; sftp?: boolean; forwarding?: boolean; console?: boolean; logs?: boolean; namespaces?: string[] }
const USERS: { name: string; allow: Allow }[] = [
  { name: 'full', allow: {} },
  { name: 'noshell', allow: { shell: false } },
  { name: 'nosftp', allow: { sftp: false } },
  { name: 'nofwd', allow: { forwarding: false } },
  { name: 'noconsole', allow: { console: false } },
  { name: 'nologs', allow: { logs: false } },
  { name: 'fileonly', allow: { shell: false, forwarding: false, console: false } },
  { name: 'fwdonly', allow: { shell: false, sftp: false, console: false } },
  { name: 'none', allow: { shell: false, sftp: false, forwarding: false, console: false } },
  { name: 'defonly', allow: { namespaces: ['default'] } },
];

type Path = 'exec' | 'shell' | 'scp' | 'scp -O' | 'sftp' | 'rsync' | 'ssh -L' | 'ssh -D' | 'ssh -J cmd' | 'ssh -J scp' | 'console pods' | 'console logs';

/** What docs/policy.md promises: which switch governs which path. */
function expected(a: Allow, path: Path): boolean {
  const on = (k: 'shell' | 'sftp' | 'forwarding' | 'console' | 'logs'): boolean => a[k] !== false;
  const inProd = !a.namespaces || a.namespaces.includes('prod');
  switch (path) {
    case 'exec': case 'shell': case 'rsync': return on('shell') && inProd;
    case 'scp': case 'scp -O': case 'sftp': return on('sftp') && inProd;
    case 'ssh -L': case 'ssh -D': return on('forwarding') && inProd;
    // The jump itself needs one of shell/sftp/forwarding; what runs through it is checked again.
    case 'ssh -J cmd': return on('shell') && inProd;
    case 'ssh -J scp': return on('sftp') && inProd;
    case 'console pods': return on('console');
    case 'console logs': return on('console') && on('logs') && inProd;
  }
}

let emu: Emulator;
let pg: Podgate;
let work: string;
let local: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'podgate-policy-matrix-'));
  chmodSync(work, 0o777);
  local = join(work, 'local.txt');
  writeFileSync(local, 'payload\n');
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, users: USERS.map((u) => ({ name: u.name, kubernetes: dev, allow: { ...u.allow } })) });
}, 90_000);

afterAll(async () => {
  await stopAllBackground();
  await pg?.stop();
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const common = (user: string): string[] => ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
  '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', '-i', pg.keyFor(user)];
const sshCmd = (user: string): string => `ssh ${common(user).join(' ')} -p ${pg.port}`;

/** ssh_config for the jump form: `Host *.prod` goes through `bastion` as the user. */
function jumpConfig(user: string): string {
  const opts = ['StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null', 'BatchMode yes', 'LogLevel ERROR', `User ${user}`, `IdentityFile ${pg.keyFor(user)}`, 'IdentitiesOnly yes'];
  const path = join(work, `jump-${user}.conf`);
  writeFileSync(path, ['Host bastion', '  HostName 127.0.0.1', `  Port ${pg.port}`, ...opts.map((o) => `  ${o}`),
    'Host *.prod', '  ProxyJump bastion', ...opts.map((o) => `  ${o}`), ''].join('\n'));
  return path;
}

async function forwardWorks(user: string, flag: '-L' | '-D'): Promise<boolean> {
  const lport = await freePort();
  const spec = flag === '-L' ? `127.0.0.1:${lport}:127.0.0.1:8080` : `127.0.0.1:${lport}`;
  const bg = background(pg, `${user}+${TARGET}`, [flag, spec]);
  try {
    await waitListening(lport);
    const curl = flag === '-L' ? [`http://127.0.0.1:${lport}/`] : ['--socks5-hostname', `127.0.0.1:${lport}`, 'http://127.0.0.1:8080/'];
    const r = await runClient('curl', ['-sS', '--max-time', '20', ...curl]);
    return r.code === 0 && r.stdout.toString() === `hello from ${POD}\n`;
  } finally {
    await bg.stop();
  }
}

/** Runs `path` as `user`; true when it did what the client asked (proven in the pod). */
async function attempt(user: string, path: Path): Promise<boolean> {
  const mark = join(work, `${user}-${path.replace(/[^a-z]+/gi, '_')}`);
  const made = (): boolean => existsSync(mark);
  const scpArgs = [...common(user), '-P', String(pg.port)];
  switch (path) {
    case 'exec':
      await ssh(pg, `${user}+${TARGET}`, [`touch ${mark}`]);
      return made();
    case 'shell':
      await ssh(pg, `${user}+${TARGET}`, [], { tty: true, input: `touch ${mark}; exit\n` });
      return made();
    case 'scp':
      await runClient('/usr/bin/scp', [...scpArgs, local, `${user}+${TARGET}@127.0.0.1:${mark}`]);
      return made() && readFileSync(mark, 'utf8') === 'payload\n';
    case 'scp -O':
      await runClient('/usr/bin/scp', [...scpArgs, '-O', local, `${user}+${TARGET}@127.0.0.1:${mark}`]);
      return made() && readFileSync(mark, 'utf8') === 'payload\n';
    case 'sftp':
      await runClient('/usr/bin/sftp', [...scpArgs, '-b', '-', `${user}+${TARGET}@127.0.0.1`], { input: `put ${local} ${mark}\n` });
      return made() && readFileSync(mark, 'utf8') === 'payload\n';
    case 'rsync':
      await runClient('/usr/bin/rsync', ['-e', sshCmd(user), local, `${user}+${TARGET}@127.0.0.1:${mark}`]);
      return made() && readFileSync(mark, 'utf8') === 'payload\n';
    case 'ssh -L':
      return forwardWorks(user, '-L');
    case 'ssh -D':
      return forwardWorks(user, '-D');
    case 'ssh -J cmd':
      await runClient('/usr/bin/ssh', ['-F', jumpConfig(user), TARGET, `touch ${mark}`]);
      return made();
    case 'ssh -J scp':
      await runClient('/usr/bin/scp', ['-F', jumpConfig(user), local, `${TARGET}:${mark}`]);
      return made() && readFileSync(mark, 'utf8') === 'payload\n';
    case 'console pods': {
      const r = await ssh(pg, user, ['pods']);
      const a = USERS.find((u) => u.name === user)!.allow;
      if (r.code !== 0) return false;
      // The listing follows allow.namespaces too.
      expect(r.stdout.toString().includes(`${user}+${TARGET}`)).toBe(!a.namespaces || a.namespaces.includes('prod'));
      return true;
    }
    case 'console logs': {
      const r = await ssh(pg, user, ['logs', TARGET, '--tail', '1']);
      return r.code === 0;
    }
  }
}

const PATHS: Path[] = ['exec', 'shell', 'scp', 'scp -O', 'sftp', 'rsync', 'ssh -L', 'ssh -D', 'ssh -J cmd', 'ssh -J scp', 'console pods', 'console logs'];

describe.each(PATHS)('policy matrix: %s', (path) => {
  it.each(USERS.map((u) => [u.name, u.allow] as const))('%s %o', async (name, allow) => {
    expect(await attempt(name, path)).toBe(expected(allow, path));
  }, 60_000);
});

describe('denials are one podgate: line', () => {
  it('a refused command names the switch; a refused scp says what legacy scp is accepted as', async () => {
    const r = await ssh(pg, `noshell+${TARGET}`, ['id']);
    expect(r.code).toBe(255);
    expect(r.stderr).toBe('podgate: noshell may not run commands through podgate (allow.shell)\n');
    const s = await ssh(pg, `noshell+${TARGET}`, ['scp -f x; id']);
    expect(s.code).toBe(255);
    expect(s.stderr).toMatch(/^podgate: noshell may not run commands .*legacy scp is accepted only as "scp \[-v\] \[-r\] \[-p\] \[-d\] -t\|-f \[--\] PATH"/);
    const n = await ssh(pg, `defonly+${TARGET}`, ['id']);
    expect(n.stderr).toBe('podgate: namespace "prod" is not allowed for defonly (allowed: default)\n');
  }, 60_000);

  it('prototype names in the target and the subsystem are refused like any unknown name', async () => {
    const k = await ssh(pg, 'full+constructor~x.prod', ['true']);
    expect(k.code).toBe(255);
    expect(k.stderr).toMatch(/^podgate: invalid target "constructor~x\.prod": unknown kind "constructor"/);
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const s = await ssh(pg, `full+${TARGET}`, ['-s', name]);
      expect(s.code, name).toBe(255);
      expect(s.stderr).not.toMatch(/internal error/);
    }
  }, 60_000);

  it('jump: nested connections went through the same authenticate-and-audit path', () => {
    const nested = pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && l['outerConnId'] !== undefined);
    expect(nested.some((l) => l['result'] === 'accepted' && String(l['reason']).startsWith('jump-host as full:'))).toBe(true);
    expect(nested.every((l) => String(l['connId']).startsWith(`${String(l['outerConnId'])}-j`))).toBe(true);
    // No nested connection ever came up for users who may do nothing through a jump.
    expect(nested.some((l) => String(l['reason']).startsWith('jump-host as none:'))).toBe(false);
  });
});
