/**
 * Attacker's walk around the policy with real OpenSSH clients (issue #13's "go looking for the
 * next ones"): every attempt would leave a marker file in the (host-filesystem) debian pod, or
 * reach something the user's allow set excludes; each must be refused.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh } from './helpers/ssh.ts';

const dev = { user: 'alice', groups: ['dev'] };
const POD = 'web-5d4c8b-q7m4z';
let emu: Emulator;
let pg: Podgate;
let work: string;
let n = 0;
const marker = (): string => join(work, `mark-${++n}`);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'podgate-redteam-'));
  chmodSync(work, 0o777);
  // One extra pod whose kubelet-written status carries terminal escapes (OSC 52 writes the
  // viewer's clipboard, OSC 0 its title): whoever can write pod status must not reach the
  // terminal of the user who lists pods.
  const hostile = ['---', 'apiVersion: v1', 'kind: Pod', 'metadata: { name: esc-1, namespace: prod, labels: { app: esc } }',
    'spec:', '  containers:', '    - name: app', '      image: debian:12', 'status:', '  phase: Pending', '  containerStatuses:',
    '    - { name: app, ready: false, restartCount: 0, state: { waiting: { reason: "Evil\\e]52;c;cHduZWQ=\\a\\e]0;owned\\a\\e[2J" } } }', ''].join('\n');
  emu = await startEmulator({ fixtureText: `${readFileSync('test/fixtures/cluster.yaml', 'utf8')}\n${hostile}`, tls: true, control: true });
  pg = await startPodgate({
    emulator: emu,
    users: [
      { name: 'files', kubernetes: dev, allow: { shell: false, sftp: true } },
      { name: 'fwd', kubernetes: dev, allow: { shell: false, sftp: false, forwarding: true } },
      { name: 'defns', kubernetes: dev, allow: { namespaces: ['default'] } },
      { name: 'webonly', kubernetes: dev, allow: { podSelector: 'app=web' } },
      { name: 'viewer', kubernetes: dev, allow: {} },
    ],
    configPatch: { session: { envAllow: ['LANG', 'LC_*', 'TERM', 'BASH_ENV', 'ENV'] } },
  });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const common = (user: string): string[] => ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
  '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', '-i', pg.keyFor(user)];

function jumpConfig(user: string, hostPattern: string): string {
  const opts = ['StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null', 'BatchMode yes', 'LogLevel ERROR', `User ${user}`, `IdentityFile ${pg.keyFor(user)}`, 'IdentitiesOnly yes'];
  const path = join(work, `jump-${user}-${++n}.conf`);
  writeFileSync(path, ['Host bastion', '  HostName 127.0.0.1', `  Port ${pg.port}`, ...opts.map((o) => `  ${o}`),
    `Host ${hostPattern}`, '  ProxyJump bastion', ...opts.map((o) => `  ${o}`), ''].join('\n'));
  return path;
}

describe('files-only user (shell false, sftp true)', () => {
  it.each([['shell'], ['sftp-server'], ['internal-sftp'], ['exec'], ['scp']])('subsystem %s is refused', async (name) => {
    const r = await ssh(pg, `files+${POD}.prod`, ['-s', name]);
    expect(r.code).toBe(255);
  }, 60_000);
  it.each([['internal-sftp'], ['/usr/lib/openssh/sftp-server'], ['sftp-server'], ['rsync --server -e.LsfxC . /tmp']])('exec %s is refused', async (cmd) => {
    const r = await ssh(pg, `files+${POD}.prod`, [cmd]);
    expect(r.code).toBe(255);
  }, 60_000);
  it('a PTY shell is refused', async () => {
    const m = marker();
    const r = await ssh(pg, `files+${POD}.prod`, [], { tty: true, input: `touch ${m}; exit\n` });
    expect(existsSync(m)).toBe(false);
    expect(r.code).toBe(255);
  }, 60_000);
  it('SetEnv BASH_ENV/ENV do not steer legacy scp into running a script', async () => {
    const m = marker();
    const script = join(work, 'evil.sh');
    writeFileSync(script, `touch ${m}\n`);
    chmodSync(script, 0o755);
    const src = join(work, 'payload');
    writeFileSync(src, 'x\n');
    await runClient('/usr/bin/scp', [...common('files'), '-P', String(pg.port), '-O', '-o', `SetEnv=BASH_ENV=${script} ENV=${script}`, src, `files+${POD}.prod@127.0.0.1:${join(work, 'dst')}`]);
    await runClient('/usr/bin/sftp', [...common('files'), '-P', String(pg.port), '-o', `SetEnv=BASH_ENV=${script} ENV=${script}`, '-b', '-', `files+${POD}.prod@127.0.0.1`], { input: `put ${src} ${join(work, 'dst2')}\n` });
    expect(existsSync(m)).toBe(false);
  }, 60_000);
  it('ssh -J runs no command in the pod', async () => {
    const m = marker();
    await runClient('/usr/bin/ssh', ['-F', jumpConfig('files', '*.prod'), `${POD}.prod`, `touch ${m}`]);
    expect(existsSync(m)).toBe(false);
  }, 60_000);
});

describe('forward-only user', () => {
  it.each([['127.1'], ['0.0.0.0'], ['0'], ['::ffff:127.0.0.1'], ['localhost.'], ['LOCALHOST'], ['web-5d4c8b-x2k9p.prod'], ['2130706433']])('-W to %s', async (host) => {
    const r = await runClient('/usr/bin/ssh', [...common('fwd'), '-p', String(pg.port), '-W', host.includes(':') ? `[${host}]:8080` : `${host}:8080`, `fwd+${POD}.prod@127.0.0.1`], { input: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 30_000 });
    if (host === 'LOCALHOST') expect(r.stderr).not.toMatch(/open failed|stdio forwarding failed/);
    else expect(r.stderr).toMatch(/open failed|stdio forwarding failed/);
  }, 60_000);
  it('nested jump through a jump runs nothing', async () => {
    const m = marker();
    await runClient('/usr/bin/ssh', ['-F', jumpConfig('fwd', '*.prod'), '-J', 'bastion,web-5d4c8b-x2k9p.prod', `${POD}.prod`, `touch ${m}`]);
    expect(existsSync(m)).toBe(false);
  }, 60_000);
});

describe('scope: namespaces and podSelector', () => {
  it('defns: workload and jump into prod are refused', async () => {
    for (const t of ['deploy~web.prod', 'sts~db.prod', `${POD}.prod`]) {
      const m = marker();
      const r = await ssh(pg, `defns+${t}`, [`touch ${m}`]);
      expect(existsSync(m), t).toBe(false);
      expect(r.code).toBe(255);
    }
    const m = marker();
    await runClient('/usr/bin/ssh', ['-F', jumpConfig('defns', '*.prod'), `${POD}.prod`, `touch ${m}`]);
    expect(existsSync(m)).toBe(false);
    const l = await ssh(pg, 'defns', ['logs', 'db-0.prod']);
    expect(l.code).toBe(255);
    const p = await ssh(pg, 'defns', ['pods', 'prod']);
    expect(p.stdout.toString()).not.toContain('db-0');
  }, 120_000);
  it('webonly: other pods by name, workload, jump, logs are refused', async () => {
    for (const t of ['db-0.prod', 'sts~db.prod', 'web-7d9f.default', 'multi.prod+main']) {
      const m = marker();
      const r = await ssh(pg, `webonly+${t}`, [`touch ${m}`]);
      expect(existsSync(m), t).toBe(false);
      expect(r.code).toBe(255);
    }
    const m = marker();
    await runClient('/usr/bin/ssh', ['-F', jumpConfig('webonly', '*.prod'), 'db-0.prod', `touch ${m}`]);
    expect(existsSync(m)).toBe(false);
    const l = await ssh(pg, 'webonly', ['logs', 'db-0.prod']);
    expect(l.code).toBe(255);
    const f = await runClient('/usr/bin/ssh', [...common('webonly'), '-p', String(pg.port), '-W', 'localhost:9000', 'webonly+db-0.prod@127.0.0.1'], { input: 'x' });
    expect(f.code).not.toBe(0);
    const p = await ssh(pg, 'webonly', ['pods']);
    expect(p.stdout.toString()).not.toContain('db-0');
  }, 120_000);
});

describe('odd channel types and names', () => {
  it.each([['w\u0435b-5d4c8b-q7m4z.prod'], ['x'.repeat(300)], ['web-5d4c8b-q7m4z.prod\u200b'], ['../web-5d4c8b-q7m4z.prod'], ['~web.prod'], ['deploy~web.prod~x']])('target %s is refused cleanly', async (t) => {
    const m = marker();
    const r = await ssh(pg, `viewer+${t}`, [`touch ${m}`], { timeoutMs: 30_000 });
    expect(existsSync(m)).toBe(false);
    expect(r.code).toBe(255);
    expect(r.stderr).not.toMatch(/internal error/);
  }, 60_000);
});

describe('console output', () => {
  it('pods: a status written into the cluster cannot send escape sequences to the terminal', async () => {
    const r = await ssh(pg, 'viewer', ['pods', 'prod']);
    expect(r.code).toBe(0);
    const text = r.stdout.toString('latin1');
    expect(text).toContain('esc-1');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  }, 60_000);
});

/** paramiko's SFTP client sends paths OpenSSH's sftp never would (NUL, newlines, $(…)). */
const PARAMIKO = String.raw`
import sys, paramiko
port, key, user, mark, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
t = paramiko.Transport(('127.0.0.1', port))
t.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key))
s = paramiko.SFTPClient.from_transport(t)
s.get_channel().settimeout(15)
evil = ['$(touch %s)' % mark, '\`touch %s\`' % mark, "'; touch %s; '" % mark, 'a\nrun x op_home; touch %s\n' % mark, '-rf', '\x01E', 'a\x00b']
for p in evil:
    for op in (s.stat, s.lstat, s.listdir, s.remove, s.rmdir, s.readlink, s.normalize, lambda q: s.mkdir(q), lambda q: s.open(q, 'w').close(), lambda q: s.rename(q, q + 'x'), lambda q: s.symlink(q, '%s/l%d' % (work, len(q)))):
        sys.stderr.write('TRY %r %r\n' % (getattr(op, '__name__', '?'), p)); sys.stderr.flush()
        try: op(p)
        except Exception as e: sys.stderr.write('  -> %r\n' % e)
s.stat('/')
print('ALIVE')
t.close()
`;

describe('podgate\'s own SFTP server (busybox pod, no sftp-server)', () => {
  it('paths with NUL, newlines, quotes and substitutions run nothing and break nothing', async () => {
    const m = marker();
    const script = join(work, 'paramiko-sftp.py');
    writeFileSync(script, PARAMIKO);
    const r = await runClient('/usr/bin/python3', [script, String(pg.port), pg.keyFor('files'), 'files+tiny.prod', m, work], { timeoutMs: 60_000 });
    expect(r.stdout.toString(), r.stderr.toString()).toContain('ALIVE');
    expect(existsSync(m)).toBe(false);
    const again = await ssh(pg, `viewer+${POD}.prod`, ['echo still-serving']);
    expect(again.stdout.toString()).toBe('still-serving\n');
  }, 90_000);
});

/** A hand-made legacy scp client: records OpenSSH's scp would never send. */
const SCP_SINK = String.raw`
import os, sys, paramiko
port, key, user, work, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
t = paramiko.Transport(('127.0.0.1', port))
t.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key))
for rec in [b'C0644 3 $(touch ' + mark.encode() + b')\n', b'C0644 3 a\x00b\n', b'C0644 3 ../' + os.path.basename(work).encode() + b'-esc\n', b'D0755 0 ..\n', b'C0644 3 -rf\n']:
    ch = t.open_session(); ch.settimeout(20)
    ch.exec_command('scp -r -t -- ' + work)
    ch.recv(1)
    try:
        ch.sendall(rec); ch.sendall(b'abc\x00'); ch.shutdown_write()
    except OSError:
        pass  # podgate refused the record and closed the channel before the data: an answer too
    out = b''
    while True:
        d = ch.recv(4096)
        if not d: break
        out += d
    sys.stdout.write('%r -> %r exit %d\n' % (rec, out, ch.recv_exit_status()))
t.close()
print('ALIVE')
`;

describe('podgate\'s own legacy scp sink (busybox pod, no scp)', () => {
  it('names with substitutions, NUL, .. and / are written as names or refused; every record is answered', async () => {
    const m = marker();
    const script = join(work, 'paramiko-scp.py');
    writeFileSync(script, SCP_SINK);
    const r = await runClient('/usr/bin/python3', [script, String(pg.port), pg.keyFor('files'), 'files+tiny.prod', work, m], { timeoutMs: 90_000 });
    expect(r.stdout.toString(), r.stderr.toString()).toContain('ALIVE');
    expect(existsSync(m)).toBe(false);
    expect(existsSync(`${work}-esc`)).toBe(false);
  }, 120_000);
});

const PTY_ABUSE = String.raw`
import sys, paramiko
port, key, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t = paramiko.Transport(('127.0.0.1', port))
t.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key))
ch = t.open_session(); ch.settimeout(20)
ch.get_pty(term='xterm\n' + 'A' * 20000, width=4294967295, height=4294967295)
ch.exec_command('echo pty-ok')
ch.resize_pty(width=0, height=0)
out = b''
while True:
    d = ch.recv(4096)
    if not d: break
    out += d
print('%r exit %d' % (out, ch.recv_exit_status()))
t.close()
print('ALIVE')
`;

describe('pty-req abuse', () => {
  it('a 20 kB TERM with a newline and 2^32-1 columns neither crash podgate nor reach a shell parser', async () => {
    const script = join(work, 'paramiko-pty.py');
    writeFileSync(script, PTY_ABUSE);
    const r = await runClient('/usr/bin/python3', [script, String(pg.port), pg.keyFor('viewer'), `viewer+${POD}.prod`], { timeoutMs: 60_000 });
    expect(r.stdout.toString(), r.stderr.toString()).toContain('ALIVE');
    const again = await ssh(pg, `viewer+${POD}.prod`, ['echo still-serving']);
    expect(again.stdout.toString()).toBe('still-serving\n');
  }, 90_000);
});
