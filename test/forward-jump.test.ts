/**
 * The jump-host form (docs/contract.md §1) with the real OpenSSH client: `ssh -J alice@bastion TARGET` and
 * `ProxyJump` in an ssh_config the test writes, with StrictHostKeyChecking on (HostKeyAlias, and
 * a `*.prod` known_hosts pattern), a command with its exit status, scp and rsync; the nested
 * connection authenticates again with the user's own key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient, waitFor } from './helpers/ssh.ts';
import { background, freePort, stopAllBackground, waitListening } from './forward-helpers.ts';
import { useBastion } from './helpers/bastion-suite.ts';

const bastion = useBastion();
let work: string;
let hostKey: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'podgate-jump-'));
  const cfg = parse(readFileSync(bastion.pg.configPath, 'utf8')) as { hostKeys: string[] };
  hostKey = readFileSync(`${cfg.hostKeys[0]}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}, 90_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stopAllBackground();
  if (work) rmSync(work, { recursive: true, force: true });
});

const text = (b: Buffer): string => b.toString('utf8');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** ssh_config as docs/forwarding.md recommends: one known_hosts line for the bastion. */
function aliasConfig(): string {
  const known = join(work, 'known_hosts_alias');
  writeFileSync(known, `podgate-bastion ${hostKey}\n`);
  const common = ['StrictHostKeyChecking yes', `UserKnownHostsFile ${known}`, 'HostKeyAlias podgate-bastion', 'BatchMode yes', 'LogLevel ERROR',
    'User alice', `IdentityFile ${bastion.pg.keyFor('alice')}`, 'IdentitiesOnly yes'];
  const path = join(work, 'ssh_config_alias');
  writeFileSync(path, [
    'Host bastion', '  HostName 127.0.0.1', `  Port ${bastion.pg.port}`, ...common.map((c) => `  ${c}`),
    'Host *.prod *.prod+* *.default', '  ProxyJump bastion', ...common.map((c) => `  ${c}`), '',
  ].join('\n'));
  return path;
}

/** The alternative: known_hosts patterns naming the target host names. */
function patternConfig(): string {
  const known = join(work, 'known_hosts_pattern');
  writeFileSync(known, `[127.0.0.1]:${bastion.pg.port} ${hostKey}\n*.prod,*.default ${hostKey}\n`);
  const common = ['StrictHostKeyChecking yes', `UserKnownHostsFile ${known}`, 'BatchMode yes', 'LogLevel ERROR', 'User alice', `IdentityFile ${bastion.pg.keyFor('alice')}`, 'IdentitiesOnly yes'];
  const path = join(work, 'ssh_config_pattern');
  writeFileSync(path, [
    'Host bastion', '  HostName 127.0.0.1', `  Port ${bastion.pg.port}`, ...common.map((c) => `  ${c}`),
    'Host *.prod *.default', '  ProxyJump bastion', ...common.map((c) => `  ${c}`), '',
  ].join('\n'));
  return path;
}

describe('ProxyJump with StrictHostKeyChecking', () => {
  it('runs a command in TARGET with its exit status and stdin (HostKeyAlias)', async () => {
    const r = await runClient('/usr/bin/ssh', ['-F', aliasConfig(), 'db-0.prod', 'echo "$HOSTNAME"; cat; exit 7'], { input: 'via-jump\n' });
    expect(r.code, r.stderr).toBe(7);
    expect(text(r.stdout)).toBe('db-0\nvia-jump\n');
  }, 60_000);

  it('ssh -J bastion TARGET with known_hosts patterns', async () => {
    const r = await runClient('/usr/bin/ssh', ['-F', patternConfig(), '-J', 'bastion', 'web-7d9f.default', 'echo "$HOSTNAME"']);
    expect(r.code, r.stderr).toBe(0);
    expect(text(r.stdout)).toBe('web-7d9f\n');
  }, 60_000);

  it('workload kinds and containers in the host name', async () => {
    const cfg = aliasConfig();
    const sts = await runClient('/usr/bin/ssh', ['-F', cfg, 'sts~db.prod', 'echo "$HOSTNAME"']);
    expect(sts.code, sts.stderr).toBe(0);
    expect(text(sts.stdout)).toBe('db-0\n');
    const side = await runClient('/usr/bin/ssh', ['-F', cfg, '-J', 'bastion', 'multi.prod+sidecar', 'true']);
    expect(side.code, side.stderr).toBe(0);
    const start = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SESSION_START' && l['pod'] === 'multi' && l['container'] === 'sidecar'), 'sidecar SESSION_START');
    expect(start).toMatchObject({ user: 'alice', namespace: 'prod' });
  }, 60_000);

  it('-L on the jumped connection forwards to that pod (VS Code via ProxyJump)', async () => {
    const lport = await freePort();
    const child = spawn('/usr/bin/ssh', ['-F', aliasConfig(), '-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${lport}:localhost:8080`, 'web-5d4c8b-q7m4z.prod'], { stdio: 'ignore' });
    child.on('error', () => undefined);
    children.push(child);
    try {
      await waitListening(lport);
      const r = await runClient('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${lport}/`]);
      expect(r.code, r.stderr).toBe(0);
      expect(text(r.stdout)).toBe('hello from web-5d4c8b-q7m4z\n');
      const end = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'FORWARD_END' && String(l['connId']).includes('-j') && Number(l['bytesOut']) > 0), 'nested FORWARD_END');
      expect(end).toMatchObject({ user: 'alice', namespace: 'prod', pod: 'web-5d4c8b-q7m4z', port: 8080 });
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('a wrong host key is refused by the client (the check is real)', async () => {
    const known = join(work, 'known_hosts_wrong');
    writeFileSync(known, `podgate-bastion ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`);
    const r = await runClient('/usr/bin/ssh', ['-F', aliasConfig(), '-o', `UserKnownHostsFile=${known}`, 'db-0.prod', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  }, 60_000);

  it('scp up and down through ProxyJump, byte-exact', async () => {
    const dir = join(work, 'scp');
    mkdirSync(dir, { recursive: true });
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'up.bin'), data);
    const remote = join(dir, 'remote.bin'); // debian pods share the host filesystem in the emulator
    const cfg = aliasConfig();
    const up = await runClient('/usr/bin/scp', ['-F', cfg, join(dir, 'up.bin'), `multi.prod:${remote}`], { timeoutMs: 60_000 });
    expect(up.code, up.stderr).toBe(0);
    const down = await runClient('/usr/bin/scp', ['-F', cfg, `multi.prod:${remote}`, join(dir, 'down.bin')], { timeoutMs: 60_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(sha(readFileSync(join(dir, 'down.bin')))).toBe(sha(data));
    const legacy = await runClient('/usr/bin/scp', ['-O', '-F', cfg, `multi.prod:${remote}`, join(dir, 'legacy.bin')], { timeoutMs: 60_000 });
    expect(legacy.code, legacy.stderr).toBe(0);
    expect(sha(readFileSync(join(dir, 'legacy.bin')))).toBe(sha(data));
  }, 180_000);

  it('rsync through ProxyJump', async () => {
    const src = join(work, 'rsync-src');
    const dest = join(work, 'rsync-dest');
    mkdirSync(join(src, 'sub'), { recursive: true });
    const files: Record<string, Buffer> = { 'a.txt': Buffer.from('alpha\n'), 'sub/b.bin': randomBytes(200_000) };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(src, name), data);
    const r = await runClient('/usr/bin/rsync', ['-a', '-e', `ssh -F ${aliasConfig()}`, `${src}/`, `web-7d9f.default:${dest}/`], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    for (const [name, data] of Object.entries(files)) expect(sha(readFileSync(join(dest, name)))).toBe(sha(data));
  }, 120_000);
});

describe('the nested connection authenticates again', () => {
  async function tunnel(): Promise<number> {
    const lport = await freePort();
    background(bastion.pg, 'alice', ['-L', `127.0.0.1:${lport}:web-7d9f.default:22`]);
    await waitListening(lport);
    return lport;
  }
  const inner = (lport: number, key: string, user = 'alice'): string[] => [
    '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes',
    '-o', 'LogLevel=ERROR', '-i', key, '-p', String(lport), `${user}@127.0.0.1`, 'echo "$HOSTNAME"',
  ];

  it('a plain -L tunnel to TARGET:22 does not let in a client without the user\'s key', async () => {
    const lport = await tunnel();
    const stranger = await runClient('/usr/bin/ssh', inner(lport, bastion.pg.strangerKey));
    expect(stranger.code).toBe(255);
    expect(stranger.stderr).toMatch(/Permission denied \(publickey\)/);
    // bob's own key, and alice's key under bob's name, do not make alice's tunnel bob's (or alice's).
    const bobKey = await runClient('/usr/bin/ssh', inner(lport, bastion.pg.keyFor('bob'), 'bob'));
    expect(bobKey.code).toBe(255);
    const bobName = await runClient('/usr/bin/ssh', inner(lport, bastion.pg.keyFor('alice'), 'bob'));
    expect(bobName.code).toBe(255);
    const alice = await runClient('/usr/bin/ssh', inner(lport, bastion.pg.keyFor('alice')));
    expect(alice.code, alice.stderr).toBe(0);
    expect(text(alice.stdout)).toBe('web-7d9f\n');
    const rejected = bastion.pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && String(l['connId']).includes('-j') && l['result'] === 'rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(3);
    const start = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SESSION_START' && String(l['connId']).includes('-j') && l['pod'] === 'web-7d9f'), 'nested SESSION_START');
    expect(start).toMatchObject({ user: 'alice', namespace: 'default' });
  }, 120_000);
});
