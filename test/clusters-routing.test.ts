/**
 * Several clusters (docs/clusters.md) with real OpenSSH clients: two emulators are two clusters,
 * `home` (test/fixtures/cluster.yaml, the default) and `eu1` (test/fixtures/cluster-eu1.yaml:
 * other pods, other RBAC). The same user name reaches the cluster its target names (ssh, scp in
 * both modes, sftp, ssh -L, ssh -J with a CLUSTER_ host name, console pods/logs/whoami); RBAC of
 * one cluster never leaks into the other; killing `eu1` leaves a running session on `home`
 * untouched, `pods` still lists `home` and names `eu1` as failed, /readyz stays ready and the
 * metrics show each cluster's health; a cluster that hangs is given up after its own deadline.
 * The last describe kills `eu1`: keep it last.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { bothClusters, startTwoClusters } from './helpers/two-clusters.ts';
import { runClient, ssh, startTmux, waitFor } from './helpers/ssh.ts';
import { background, freePort, stopAllBackground, waitListening } from './forward-helpers.ts';

let home: Emulator;
let eu1: Emulator;
let pg: Podgate;
let work: string;

beforeAll(async () => {
  ({ home, eu1 } = await startTwoClusters());
  pg = await startPodgate({
    emulator: home,
    clusters: bothClusters(home, eu1),
    users: [
      { name: 'alice', kubernetes: { user: 'alice', groups: ['dev'] } },
      { name: 'bob', kubernetes: { user: 'bob', groups: ['ops'] } },
      // May reach only `home`: eu1's RBAC would let her into eu1 staging, the config does not.
      { name: 'homer', kubernetes: { user: 'alice', groups: ['dev'] }, allow: { clusters: ['home'] } },
    ],
    configPatch: { health: { apiProbeIntervalSeconds: 0.5 } },
  });
  work = mkdtempSync(join(tmpdir(), 'podgate-clusters-'));
}, 120_000);

afterAll(async () => {
  await stopAllBackground();
  await pg?.stop();
  await Promise.all([home?.close(), eu1?.close()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const out = (r: { stdout: Buffer }) => r.stdout.toString('utf8');
const clientOpts = (user: string) => ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-i', pg.keyFor(user)];

describe('the same user name reaches the cluster its target names', () => {
  it('exec: tiny.prod is home\'s, eu1_tiny.staging is eu1\'s; the audit names the cluster', async () => {
    const inHome = await ssh(pg, 'alice+tiny.prod', ['echo "in ${CLUSTER_NAME:-home}"']);
    expect(inHome.stderr).toBe('');
    expect(out(inHome)).toBe('in home\n');
    const inEu1 = await ssh(pg, 'alice+eu1_tiny.staging', ['echo "in ${CLUSTER_NAME:-home}"']);
    expect(out(inEu1)).toBe('in eu1\n');
    // The default cluster named explicitly is the same as naming none.
    expect(out(await ssh(pg, 'alice+home_tiny.prod', ['echo "in ${CLUSTER_NAME:-home}"']))).toBe('in home\n');
    const starts = pg.logs().filter((l) => l['code'] === 'SESSION_START' && l['user'] === 'alice');
    expect(starts.map((l) => `${String(l['cluster'])}/${String(l['namespace'])}`)).toEqual(['home/prod', 'eu1/staging', 'home/prod']);
  });

  it('RBAC of one cluster never leaks into the other', async () => {
    // alice may enter prod in home, not in eu1; bob the other way round.
    const aliceEu1 = await ssh(pg, 'alice+eu1_tiny.prod', ['echo leaked']);
    expect(aliceEu1.code).toBe(255);
    expect(out(aliceEu1)).toBe('');
    expect(aliceEu1.stderr).toMatch(/^podgate: .*alice may not (exec into|get) pods in namespace "prod"/m);
    const bobHome = await ssh(pg, 'bob+tiny.prod', ['echo leaked']);
    expect(bobHome.code).toBe(255);
    expect(bobHome.stderr).toMatch(/^podgate: .*bob may not/m);
    expect(out(await ssh(pg, 'bob+eu1_tiny.prod', ['echo "bob in ${CLUSTER_NAME:-home}"']))).toBe('bob in eu1\n');
    // allow.clusters narrows further: eu1 would let alice's identity into staging, the config does not.
    const homer = await ssh(pg, 'homer+eu1_tiny.staging', ['echo leaked']);
    expect(homer.code).toBe(255);
    expect(homer.stderr).toMatch(/^podgate: cluster "eu1" is not allowed for homer/m);
    // An unknown cluster is an error of its own.
    const unknown = await ssh(pg, 'alice+us9_tiny.prod', ['echo x']);
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toMatch(/^podgate: no cluster "us9" \(clusters: home, eu1\)/m);
  });

  it('scp (SFTP and legacy modes) and sftp write to the named cluster\'s pod only', async () => {
    const file = join(work, 'payload.txt');
    writeFileSync(file, 'for eu1 only\n');
    const scp = await runClient('scp', [...clientOpts('bob'), '-P', String(pg.port), file, `bob+eu1_tiny.prod@127.0.0.1:/tmp/from-scp`]);
    expect(scp.stderr).toBe('');
    expect(scp.code).toBe(0);
    const legacy = await runClient('scp', ['-O', ...clientOpts('bob'), '-P', String(pg.port), file, `bob+eu1_tiny.prod@127.0.0.1:/tmp/from-scp-o`]);
    expect(legacy.code).toBe(0);
    const sftp = await runClient('sftp', [...clientOpts('bob'), '-P', String(pg.port), '-b', '-', 'bob+eu1_tiny.prod@127.0.0.1'], { input: `put ${file} /tmp/from-sftp\n` });
    expect(sftp.code).toBe(0);
    expect(out(await ssh(pg, 'bob+eu1_tiny.prod', ['cat /tmp/from-scp /tmp/from-scp-o /tmp/from-sftp']))).toBe('for eu1 only\n'.repeat(3));
    // home's pod of the same name has none of them.
    expect(out(await ssh(pg, 'alice+tiny.prod', ['ls /tmp/from-scp /tmp/from-scp-o /tmp/from-sftp 2>/dev/null; echo done']))).toBe('done\n');
    // And a download comes from the named cluster.
    const back = join(work, 'back.txt');
    expect((await runClient('scp', [...clientOpts('bob'), '-P', String(pg.port), `bob+eu1_tiny.prod@127.0.0.1:/tmp/from-sftp`, back])).code).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe('for eu1 only\n');
  });

  it('ssh -L forwards to the named cluster\'s pod', async () => {
    const [lHome, lEu1] = await Promise.all([freePort(), freePort()]);
    const a = background(pg, 'alice+web-5d4c8b-x2k9p.prod', ['-L', `${lHome}:localhost:8080`]);
    const b = background(pg, 'alice+eu1_edge-eu1.staging', ['-L', `${lEu1}:localhost:8080`]);
    await Promise.all([waitListening(lHome), waitListening(lEu1)]);
    const fromHome = await runClient('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${lHome}/`]);
    expect(out(fromHome)).toBe('hello from web-5d4c8b-x2k9p\n');
    const fromEu1 = await waitFor(async () => {
      const r = await runClient('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${lEu1}/`]);
      return out(r) === 'edge in eu1\n' ? r : null;
    }, 'eu1 edge page', 30_000);
    expect(out(fromEu1)).toBe('edge in eu1\n');
    await Promise.all([a.stop(), b.stop()]);
    const opened = pg.logs().filter((l) => l['code'] === 'FORWARD_OPEN');
    expect(opened.map((l) => l['cluster'])).toEqual(expect.arrayContaining(['home', 'eu1']));
  });

  it('ssh -D (SOCKS) and rsync take the CLUSTER_ name unchanged', async () => {
    const lport = await freePort();
    const socks = background(pg, 'alice+eu1_edge-eu1.staging', ['-D', `127.0.0.1:${lport}`]);
    await waitListening(lport);
    const r = await waitFor(async () => {
      const c = await runClient('curl', ['-sS', '--max-time', '30', '--socks5-hostname', `127.0.0.1:${lport}`, 'http://127.0.0.1:8080/']);
      return out(c) === 'edge in eu1\n' ? c : null;
    }, 'the eu1 page through SOCKS', 30_000);
    expect(out(r)).toBe('edge in eu1\n');
    await socks.stop();
    // rsync reads (never writes: a debian pod's files are the host's) through the default cluster named explicitly.
    const e = ['ssh', ...clientOpts('alice'), '-p', String(pg.port)].map((x) => `'${x}'`).join(' ');
    const dest = join(work, 'rsync-back');
    const rs = await runClient('rsync', ['-aL', '-e', e, 'alice+home_web-7d9f@127.0.0.1:/etc/os-release', `${dest}/`]);
    expect(rs.stderr).toBe('');
    expect(rs.code).toBe(0);
    expect(readFileSync(join(dest, 'os-release'), 'utf8')).toBe(readFileSync('/etc/os-release', 'utf8'));
  });

  it('ssh -J alice@bastion eu1_tiny.staging: the jump host name carries the cluster', async () => {
    // An ssh_config, because the jump's own ssh (ssh -W) reads options from files, not from -o.
    const config = join(work, 'ssh_config');
    writeFileSync(config, [
      'Host bastion', '  HostName 127.0.0.1', `  Port ${pg.port}`,
      'Host *', '  User alice', '  StrictHostKeyChecking no', '  UserKnownHostsFile /dev/null', '  BatchMode yes', '  LogLevel ERROR',
      `  IdentityFile ${pg.keyFor('alice')}`, '  IdentitiesOnly yes', '',
    ].join('\n'));
    const base = ['-F', config, '-J', 'alice@bastion'];
    const r = await runClient('ssh', [...base, 'eu1_tiny.staging', 'echo "jumped to ${CLUSTER_NAME:-home}"']);
    expect(r.stderr).toBe('');
    expect(out(r)).toBe('jumped to eu1\n');
    // OpenSSH lower-cases host names; the grammar's names are lower-case, so nothing is lost.
    expect(out(await runClient('ssh', [...base, 'EU1_Tiny.Staging', 'echo "jumped to ${CLUSTER_NAME:-home}"']))).toBe('jumped to eu1\n');
    expect(out(await runClient('ssh', [...base, 'tiny.prod', 'echo "jumped to ${CLUSTER_NAME:-home}"']))).toBe('jumped to home\n');
  });

  it('console: pods shows a CLUSTER column over both clusters; logs and whoami per cluster', async () => {
    const pods = await ssh(pg, 'alice', ['pods']);
    expect(pods.code).toBe(0);
    const lines = out(pods).trim().split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+NAMESPACE\s+POD\s+/);
    expect(out(pods)).toMatch(/^home\s+prod\s+tiny\s+.*alice\+home_tiny\.prod$/m);
    expect(out(pods)).toMatch(/^eu1\s+staging\s+edge-eu1\s+.*alice\+eu1_edge-eu1\.staging$/m);
    // eu1's prod is not alice's: not listed.
    expect(out(pods)).not.toMatch(/^eu1\s+prod\s/m);
    expect(out(await ssh(pg, 'alice', ['pods', 'eu1_']))).not.toMatch(/^home\s/m);
    expect(out(await ssh(pg, 'alice', ['pods', 'eu1_staging']))).toMatch(/^eu1\s+staging\s+tiny\s/m);
    const who = out(await ssh(pg, 'alice', ['whoami']));
    expect(who).toMatch(/^allowed namespaces: home: .*prod/m);
    expect(who).toMatch(/^allowed namespaces: eu1: staging$/m);
    expect(who).toMatch(/^CLUSTER\s+NAMESPACE\s+EXEC\s+PORT-FORWARD\s+LOGS$/m);
    expect(who).toMatch(/^eu1\s+staging\s+yes\s+yes\s+yes$/m);
    expect(who).toMatch(/^home\s+prod\s+yes\s+yes\s+yes$/m);
    // The summary (no command, no terminal): whoami and pods of both clusters together.
    const summary = out(await ssh(pg, 'alice', []));
    expect(summary).toMatch(/^allowed namespaces: eu1: staging$/m);
    expect(summary).toMatch(/^eu1\s+staging\s+edge-eu1\s+/m);
    expect(summary).toMatch(/^home\s+prod\s+tiny\s+/m);
    const logs = await ssh(pg, 'alice', ['logs', 'eu1_edge-eu1.staging', '--tail', '1']);
    expect(out(logs)).toBe('edge-eu1: serving\n');
    const homer = out(await ssh(pg, 'homer', ['pods']));
    expect(homer).not.toMatch(/^eu1\s/m);
  });
});

describe('the interactive picker spans the clusters', () => {
  it('lists both clusters\' pods and Enter opens the shell in the picked pod\'s cluster', async () => {
    const t = startTmux(pg, 'alice', [], { cols: 140, rows: 30 });
    try {
      await t.waitFor(/allowed namespaces: home: .*; eu1: staging;/);
      await t.waitFor(/alice\+eu1_edge-eu1\.staging/);
      expect(t.capture()).toMatch(/alice\+home_tiny\.prod/);
      t.type('eu1_tiny');
      const filtered = await t.waitFor(/filter: eu1_tiny_/);
      expect(filtered).toContain('alice+eu1_tiny.staging');
      expect(filtered).not.toContain('alice+home_tiny.prod');
      t.keys('Enter');
      // The shell's prompt first (busybox ash as root: "# "), then the command.
      await t.waitFor(/^\/ #/m, 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${t.capture()}`); });
      t.type('echo "picked=${CLUSTER_NAME:-home} sum=$((20+22))"', true);
      await t.waitFor(/picked=eu1 sum=42/).catch((e: Error) => { throw new Error(`${e.message}\n${t.capture()}`); });
      t.type('exit', true);
      await t.waitFor(/\[ssh exited 0\]/);
    } finally {
      t.kill();
    }
    expect(pg.logs().some((l) => l['code'] === 'SESSION_START' && l['user'] === 'alice' && l['action'] === 'shell' && l['cluster'] === 'eu1')).toBe(true);
    // Every session so far was reaped through its own cluster's API.
    const reaps = await waitFor(() => {
      const r = pg.logs().filter((l) => l['code'] === 'REAP');
      return r.length === pg.logs().filter((l) => l['code'] === 'SESSION_END').length ? r : null;
    }, 'every session to be reaped', 30_000);
    expect(new Set(reaps.map((l) => l['cluster']))).toEqual(new Set(['home', 'eu1']));
    expect(reaps.filter((l) => l['outcome'] === 'failed')).toEqual([]);
  }, 60_000);
});

describe('a cluster that hangs', () => {
  it('answers nothing for a minute: pods lists the other within the per-cluster deadline, sessions there go on', async () => {
    // A podgate of its own with a short API timeout, so the deadline (twice it) is short.
    const quick = await startPodgate({
      emulator: home,
      clusters: bothClusters(home, eu1),
      users: [{ name: 'alice', kubernetes: { user: 'alice', groups: ['dev'] } }],
      configPatch: { kubernetes: { requestTimeoutMs: 4000 }, health: { apiProbeIntervalSeconds: 0.5 } },
    });
    try {
      eu1.fault({ latencyMs: 60_000 });
      const started = performance.now();
      const [pods, exec] = await Promise.all([ssh(quick, 'alice', ['pods']), ssh(quick, 'alice+tiny.prod', ['echo "still ${CLUSTER_NAME:-home}"'])]);
      const tookMs = performance.now() - started;
      expect(out(exec)).toBe('still home\n');
      expect(pods.code).toBe(0);
      expect(out(pods)).toMatch(/^home\s+prod\s+tiny\s/m);
      expect(pods.stderr).toMatch(/^podgate: cluster "eu1" is not listed: /m);
      // Within the deadline (2 x 4 s) plus the client's own start, far from the minute eu1 hangs.
      expect(tookMs).toBeLessThan(20_000);
    } finally {
      eu1.fault({ latencyMs: 0 });
      await quick.stop();
    }
  }, 90_000);
});

describe('one cluster down never blocks the others (kills eu1: keep last)', () => {
  it('a running session on home is untouched, pods lists home and names eu1, readiness and metrics follow', async () => {
    const child = spawn('/usr/bin/ssh', [...clientOpts('alice'), '-p', String(pg.port), 'alice+tiny.prod@127.0.0.1', 'while read l; do echo "got $l"; done; echo bye'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let got = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { got += d; });
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    child.stdin.write('one\n');
    await waitFor(() => got.includes('got one'), 'first echo');

    await eu1.close();
    const metric = async (): Promise<string> => (await fetch(`http://127.0.0.1:${pg.metricsPort}/metrics`)).text();
    await waitFor(async () => /podgate_cluster_up\{cluster="eu1"\} 0/.test(await metric()), 'eu1 probe down', 30_000);
    const m = await metric();
    expect(m).toMatch(/podgate_cluster_up\{cluster="home"\} 1/);
    expect(m).toMatch(/^podgate_api_up 1$/m);
    expect(m).toMatch(/podgate_cluster_sessions_active\{cluster="home"\} 1/);
    expect((await fetch(`http://127.0.0.1:${pg.metricsPort}/readyz`)).status).toBe(200);

    child.stdin.write('two\n');
    await waitFor(() => got.includes('got two'), 'second echo after eu1 died');
    const started = performance.now();
    const pods = await ssh(pg, 'alice', ['pods']);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(pods.code).toBe(0);
    expect(out(pods)).toMatch(/^home\s+prod\s+tiny\s/m);
    expect(out(pods)).not.toMatch(/^eu1\s/m);
    expect(pods.stderr).toMatch(/^podgate: cluster "eu1" is not listed: /m);
    const dead = await ssh(pg, 'alice+eu1_tiny.staging', ['echo x']);
    expect(dead.code).toBe(255);
    expect(dead.stderr).toMatch(/^podgate: /m);

    child.stdin.end();
    expect(await exited).toBe(0);
    expect(got).toBe('got one\ngot two\nbye\n');
  });
});
