/**
 * The bastion console (docs/contract.md §3) through the real OpenSSH client: `pods`, `whoami`, `help`,
 * `logs` with each option checked against the emulator's own container log, errors as one
 * `podgate:` line with 255, a user without rights, and the interactive picker in tmux.
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import { ssh, sshArgs, tmuxTracker, waitFor } from './helpers/ssh.ts';
import { useBastion } from './helpers/bastion-suite.ts';

const bastion = useBastion();
const tmuxes = tmuxTracker();

afterAll(async () => {
  tmuxes.killAll();
});

/** The emulator's own log of a container, read straight from its API as admin (no podgate). */
function emulatorLog(namespace: string, pod: string, query = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${bastion.emu.url}/api/v1/namespaces/${namespace}/pods/${pod}/log${query ? `?${query}` : ''}`);
    const req = https.get(url, { ca: bastion.emu.caPem ?? undefined, headers: { Authorization: 'Bearer admin-token' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`log ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('console commands', () => {
  it('pods lists exactly the pods alice may exec into, aligned, with the ssh target', async () => {
    const res = await ssh(bastion.pg, 'alice', ['pods']);
    expect(res.code).toBe(0);
    const lines = res.stdout.toString().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+POD\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+CONTAINERS\s+TARGET$/);
    const rows = lines.slice(1).map((l) => l.split(/\s{2,}/));
    const targets = rows.map((r) => r[r.length - 1]);
    expect(targets).toContain('alice+web-7d9f.default');
    expect(targets).toContain('alice+db-0.prod');
    expect(targets).toContain('alice+multi.prod');
    // staging and secret are not alice's: no access review passes there.
    expect(targets.some((t) => /\.(staging|secret)$/.test(t))).toBe(false);
    // Columns line up: every row's TARGET starts where the header's does.
    const col = lines[0].indexOf('TARGET');
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^alice\+/);
    const multi = rows.find((r) => r[1] === 'multi')!;
    expect(multi[6]).toBe('sidecar,main');
    const pending = rows.find((r) => r[1] === 'pending-1')!;
    expect(pending[3]).toBe('ContainerCreating');
  });

  it('pods NS narrows to one namespace; a forbidden or invalid one is clear', async () => {
    const res = await ssh(bastion.pg, 'alice', ['pods', 'default']);
    expect(res.code).toBe(0);
    const body = res.stdout.toString().split('\n').slice(1).filter(Boolean);
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((l) => l.startsWith('default '))).toBe(true);
    const staging = await ssh(bastion.pg, 'alice', ['pods', 'staging']);
    expect(staging.code).toBe(0);
    expect(staging.stdout.toString()).toBe('No pods you may enter.\n');
    const bad = await ssh(bastion.pg, 'alice', ['pods', 'Not_A_Namespace']);
    expect(bad.code).toBe(255);
    expect(bad.stderr.toString()).toMatch(/^podgate: namespace "Not_A_Namespace": must consist of/m);
  });

  it('a user with no RBAC rights sees no pods and cannot tail any log', async () => {
    const pods = await ssh(bastion.pg, 'mallory', ['pods']);
    expect(pods.code).toBe(0);
    expect(pods.stdout.toString()).toBe('No pods you may enter.\n');
    const logs = await ssh(bastion.pg, 'mallory', ['logs', 'web-7d9f.default']);
    expect(logs.code).toBe(255);
    expect(logs.stderr.toString()).toMatch(/^podgate: mallory may not read the logs of pods in namespace "default"/m);
    expect(logs.stdout.length).toBe(0);
  });

  it('whoami and help', async () => {
    const who = await ssh(bastion.pg, 'alice', ['whoami']);
    expect(who.code).toBe(0);
    const text = who.stdout.toString();
    expect(text).toMatch(/^ssh user:\s+alice$/m);
    expect(text).toMatch(/^kubernetes user:\s+alice$/m);
    expect(text).toMatch(/^kubernetes groups:\s+dev$/m);
    expect(text).toMatch(/^allowed namespaces:\s+default, prod$/m);
    const help = await ssh(bastion.pg, 'alice', ['help']);
    expect(help.code).toBe(0);
    for (const cmd of ['pods [NS]', 'logs TARGET', 'whoami', 'help']) expect(help.stdout.toString()).toContain(cmd);
  });

  it('an unknown command or bad option is one podgate: line and 255', async () => {
    const unknown = await ssh(bastion.pg, 'alice', ['frobnicate']);
    expect(unknown.code).toBe(255);
    expect(unknown.stderr.toString()).toBe('podgate: unknown command "frobnicate"; try: help\n');
    const badTail = await ssh(bastion.pg, 'alice', ['logs', 'web-7d9f', '--tail', 'many']);
    expect(badTail.code).toBe(255);
    expect(badTail.stderr.toString()).toMatch(/^podgate: logs: --tail takes a number of lines, not "many"/);
    const missing = await ssh(bastion.pg, 'alice', ['logs', 'nosuch.prod']);
    expect(missing.code).toBe(255);
    expect(missing.stderr.toString()).toMatch(/^podgate: pod or workload "nosuch" not found in namespace "prod"/);
  });

  it('every console command is an audit event', async () => {
    await ssh(bastion.pg, 'alice', ['whoami']);
    const ev = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'CONSOLE_COMMAND' && l['command'] === 'whoami'), 'CONSOLE_COMMAND whoami');
    expect(ev).toMatchObject({ user: 'alice', result: 'ok' });
    await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'CONSOLE_COMMAND' && l['command'] === 'frobnicate' && l['result'] === 'error'), 'CONSOLE_COMMAND error');
  });
});

describe('logs', () => {
  it('--tail 5 gives the last five lines of the container log, byte for byte', async () => {
    // The pod logs a line a second: wait until it has more than five.
    const all = await waitFor(async () => {
      const text = await emulatorLog('prod', 'web-5d4c8b-x2k9p');
      return text.split('\n').filter(Boolean).length > 5 ? text : null;
    }, 'six log lines', 20_000);
    const tail = await ssh(bastion.pg, 'alice', ['logs', 'web-5d4c8b-x2k9p.prod', '--tail', '5']);
    expect(tail.code).toBe(0);
    const lines = tail.stdout.toString().split('\n').filter(Boolean);
    expect(lines).toHaveLength(5);
    // Each tailed line is in the full log, in order, and the tail ends the log as read then.
    const allLines = all.split('\n').filter(Boolean);
    const at = allLines.indexOf(lines[0]);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(allLines.slice(at, at + lines.length)).toEqual(lines.slice(0, allLines.length - at));
  });

  it('--timestamps prefixes RFC3339 times; --since narrows; --previous reads the last instance', async () => {
    const ts = await ssh(bastion.pg, 'alice', ['logs', 'web-7d9f.default', '--timestamps', '--tail', '3']);
    expect(ts.code).toBe(0);
    for (const l of ts.stdout.toString().split('\n').filter(Boolean)) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /);
    const since = await ssh(bastion.pg, 'alice', ['logs', 'web-7d9f.default', '--since', '2s', '--timestamps']);
    expect(since.code).toBe(0);
    const cutoff = Date.now() - 10_000;
    for (const l of since.stdout.toString().split('\n').filter(Boolean)) expect(Date.parse(l.split(' ')[0])).toBeGreaterThan(cutoff);
    const prev = await ssh(bastion.pg, 'alice', ['logs', 'crashy.prod', '--previous']);
    expect(prev.code).toBe(0);
    expect(prev.stdout.toString()).toBe(await emulatorLog('prod', 'crashy', 'previous=true'));
    const cur = await ssh(bastion.pg, 'alice', ['logs', 'crashy.prod']);
    expect(prev.stdout.length).toBeGreaterThan(0);
    expect(prev.stdout.equals(cur.stdout)).toBe(false);
    const noPrev = await ssh(bastion.pg, 'alice', ['logs', 'web-7d9f.default', '--previous']);
    expect(noPrev.code).toBe(255);
    expect(noPrev.stderr.toString()).toMatch(/^podgate: .*previous terminated container "app" in pod "web-7d9f" not found/);
  });

  it('a waiting container gives the kubelet\'s words', async () => {
    const res = await ssh(bastion.pg, 'alice', ['logs', 'pending-1.prod']);
    expect(res.code).toBe(255);
    expect(res.stderr.toString()).toMatch(/^podgate: .*container "app" in pod "pending-1" is waiting to start: ContainerCreating/);
  });

  it('-f follows into a file; killing the client closes the API request within 2 s', async () => {
    const child = spawn('/usr/bin/ssh', sshArgs(bastion.pg, 'alice', ['logs', 'web-7d9f.default', '-f']), { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    await new Promise((r) => setTimeout(r, 5_000));
    const got = Buffer.concat(chunks).toString();
    expect(got.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(3);
    // What the follow delivered is exactly the container's log for that window.
    const full = await emulatorLog('default', 'web-7d9f');
    expect(full).toContain(got.split('\n').filter(Boolean).slice(1, -1).join('\n'));

    const killedAt = Date.now();
    child.kill('SIGKILL');
    const req = await waitFor(async () => (await bastion.emu.requests()).find((r) => r.path.endsWith('/pods/web-7d9f/log') && /follow=(true|1)/.test(JSON.stringify(r.query ?? '')) && r.closedAt), 'the follow request to close', 10_000);
    expect(Date.parse(String(req.closedAt)) - killedAt).toBeLessThan(2_000);
  }, 30_000);
});

describe('interactive picker', () => {
  it('shows who you are and the pods, filters, opens a shell in the chosen pod, restores the terminal', async () => {
    const t = tmuxes.start(bastion.pg, 'alice', [], { cols: 120, rows: 30 });
    await t.waitFor(/signed in as alice \(Kubernetes: alice \[dev\]\)/);
    await t.waitFor(/alice\+web-7d9f\.default/);
    t.type('db-0');
    const filtered = await t.waitFor(/filter: db-0_/);
    expect(filtered).toContain('alice+db-0.prod');
    expect(filtered).not.toContain('alice+web-7d9f.default');
    t.keys('Enter');
    t.type('echo "in=$HOSTNAME sum=$((20+22))"', true);
    await t.waitFor(/in=db-0 sum=42/);
    t.type('exit', true);
    await t.waitFor(/\[ssh exited 0\]/);
  }, 60_000);

  it('q quits cleanly with the terminal restored, and follows resizes', async () => {
    const t = tmuxes.start(bastion.pg, 'alice', [], { cols: 100, rows: 12 });
    await t.waitFor(/signed in as alice/);
    t.resize(140, 40);
    await t.waitFor(/alice\+web-7d9f\.default/);
    t.type('q');
    const pane = await t.waitFor(/\[ssh exited 0\]/);
    expect(pane).not.toMatch(/signed in as alice/);
  }, 60_000);
});
