/**
 * Nested (jump-host) connections get the front door's limits, proven with the real OpenSSH
 * client: `ssh -J` through one multiplexed outer connection is capped by
 * limits.maxNestedPerConnection; a nested connection that never authenticates is closed after
 * the login grace time; and unauthenticated nested connections take the source's
 * unauthenticated slots (the excess waits, silent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
let work: string;
let cfg: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { limits: { loginGraceSeconds: 4, maxUnauthenticatedPerSource: 2, maxNestedPerConnection: 2 } } });
  work = mkdtempSync(join(tmpdir(), 'podgate-jump-limits-'));
  const common = ['User alice', `IdentityFile ${pg.keyFor('alice')}`, 'IdentitiesOnly yes', 'StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null', 'BatchMode yes', 'LogLevel ERROR'];
  cfg = join(work, 'ssh_config');
  writeFileSync(cfg, [
    'Host bastion', '  HostName 127.0.0.1', `  Port ${pg.port}`, `  ControlPath ${join(work, 'ctl')}`, ...common.map((c) => `  ${c}`),
    'Host *.default', '  ProxyJump bastion', ...common.map((c) => `  ${c}`), '',
  ].join('\n'));
}, 90_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pg?.stop();
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `ssh -W TARGET:22 bastion` (what -J runs) with stdin held open: resolves with the first line it prints. */
function rawNested(extra: string[] = []): { child: ChildProcess; banner: Promise<string>; exited: Promise<number | null> } {
  const child = spawn('/usr/bin/ssh', ['-F', cfg, ...extra, '-W', 'web-7d9f.default:22', 'bastion'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  child.stdin.on('error', () => {});
  let out = '';
  const banner = new Promise<string>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.includes('\r\n')) resolve(out.split('\r\n')[0]);
    });
    child.once('close', () => resolve(out));
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, banner, exited };
}

describe('nested (ssh -J) connections', () => {
  it('one outer connection holds at most maxNestedPerConnection nested ones (audited refusal)', async () => {
    const master = spawn('/usr/bin/ssh', ['-F', cfg, '-M', '-N', 'bastion'], { stdio: 'ignore' });
    children.push(master);
    await waitFor(async () => (await runClient('/usr/bin/ssh', ['-F', cfg, '-O', 'check', 'bastion'])).code === 0, 'the control master');
    const jump = (cmd: string) => runClient('/usr/bin/ssh', ['-F', cfg, 'web-7d9f.default', cmd], { timeoutMs: 60_000 });
    const long = [jump('sleep 20; echo one'), jump('sleep 20; echo two')];
    await waitFor(() => pg.logs().filter((l) => l['code'] === 'SESSION_START' && String(l['command']).startsWith('sleep 20')).length === 2, 'two jump sessions');
    const third = await jump('echo three');
    expect(third.code).toBe(255);
    expect(third.stdout.toString()).toBe('');
    await waitFor(() => pg.logs().find((l) => l['code'] === 'CONNECTION_REFUSED' && l['reason'] === 'nested-limit' && l['limit'] === 2), 'an audited nested-limit refusal');
    const done = await Promise.all(long);
    expect(done.map((r) => r.stdout.toString())).toEqual(['one\n', 'two\n']);
    const again = await jump('echo again');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.toString()).toBe('again\n');
    master.kill('SIGTERM');
  }, 120_000);

  it('closes a nested connection that does not authenticate within the login grace time', async () => {
    const n = rawNested(['-o', 'ControlPath=none']);
    expect(await n.banner).toBe('SSH-2.0-podgate');
    const t0 = Date.now();
    await n.exited;
    expect(Date.now() - t0).toBeGreaterThan(2000);
    await waitFor(() => pg.logs().find((l) => l['code'] === 'CONNECTION_CLOSED' && l['reason'] === 'login-grace-timeout' && l['nested'] === true), 'a nested grace timeout');
  }, 60_000);

  it('unauthenticated nested connections take the source\'s unauthenticated slots; the excess waits', async () => {
    const a = rawNested(['-o', 'ControlPath=none']);
    const b = rawNested(['-o', 'ControlPath=none']);
    expect(await a.banner).toBe('SSH-2.0-podgate');
    expect(await b.banner).toBe('SSH-2.0-podgate');
    const c = rawNested(['-o', 'ControlPath=none']);
    let got = false;
    void c.banner.then(() => { got = true; });
    await new Promise((r) => setTimeout(r, 1200));
    expect(got).toBe(false); // two nested handshakes hold 127.0.0.1's two slots
    a.child.kill('SIGKILL');
    expect(await c.banner).toBe('SSH-2.0-podgate');
    b.child.kill('SIGKILL');
    c.child.kill('SIGKILL');
  }, 60_000);
});
