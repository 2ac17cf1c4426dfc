/**
 * direct-tcpip through podgate with the real OpenSSH client (`ssh -L`, `ssh -D`) against the
 * emulator: curl to a web pod's HTTP server, 100 MiB each way byte-exact to db-0's echo server,
 * 50 concurrent connections, SOCKS, refusals (other hosts, closed port, no target, policy, -R),
 * end propagation and the FORWARD_OPEN / FORWARD_END audit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { DEFAULT_USERS, startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh, waitFor } from './helpers/ssh.ts';
import { background, freePort, roundTrip, stopAllBackground, waitListening } from './forward-helpers.ts';

let emu: Emulator;
let pg: Podgate;

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({
    emulator: emu,
    users: [...DEFAULT_USERS, { name: 'nofwd', kubernetes: { user: 'alice', groups: ['dev'] }, allow: { forwarding: false } }],
  });
}, 90_000);

afterAll(async () => {
  await stopAllBackground();
  await pg?.stop();
  await emu?.close();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const events = (code: string): Record<string, unknown>[] => pg.logs().filter((l) => l['code'] === code);

async function forward(sshUser: string, dest: string): Promise<number> {
  const lport = await freePort();
  const b = background(pg, sshUser, ['-L', `127.0.0.1:${lport}:${dest}`]);
  await waitListening(lport);
  expect(b.child.exitCode).toBeNull();
  return lport;
}

describe('ssh -L to the pod', () => {
  it('curl reaches the HTTP server of a web pod (a Deployment target too) and is audited', async () => {
    const lport = await forward('alice+web-5d4c8b-x2k9p.prod', 'localhost:8080');
    const r = await runClient('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${lport}/`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('hello from web-5d4c8b-x2k9p\n');
    const lport2 = await forward('alice+web.prod', '127.0.0.1:8080');
    const r2 = await runClient('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${lport2}/`]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout.toString()).toMatch(/^hello from web-5d4c8b-(x2k9p|q7m4z)\n$/);
    // (waitListening's probe connections are forwards too, with no bytes.)
    const end = await waitFor(() => events('FORWARD_END').find((e) => e['pod'] === 'web-5d4c8b-x2k9p' && Number(e['bytesOut']) > 0), 'FORWARD_END');
    expect(end).toMatchObject({ user: 'alice', namespace: 'prod', port: 8080, result: 'closed' });
    expect(end['bytesOut']).toBeGreaterThan(27);
    expect(end['bytesIn']).toBeGreaterThan(10);
    expect(events('FORWARD_OPEN').find((e) => e['pod'] === 'web-5d4c8b-x2k9p')).toMatchObject({ result: 'opened', connId: end['connId'] });
    // The stream is impersonated as alice.
    const reqs = await emu.requests();
    expect(reqs.some((q) => q.path.endsWith('/pods/web-5d4c8b-x2k9p/portforward') && q.impersonatedUser === 'alice')).toBe(true);
  }, 120_000);

  it('carries 100 MiB each way byte-exact through db-0\'s echo server', async () => {
    const lport = await forward('alice+db-0.prod', 'localhost:9000');
    const data = randomBytes(100 * 1024 * 1024);
    const r = await roundTrip(lport, data, data.length, 240_000);
    expect(r.received.length).toBe(data.length);
    expect(sha(r.received)).toBe(sha(data));
  }, 300_000);

  it('serves 50 concurrent forwarded connections over one SSH connection', async () => {
    const lport = await forward('alice+db-0.prod', 'localhost:9000');
    const payloads = Array.from({ length: 50 }, () => randomBytes(256 * 1024));
    const results = await Promise.all(payloads.map((p) => roundTrip(lport, p, p.length, 180_000)));
    results.forEach((r, i) => expect(sha(r.received)).toBe(sha(payloads[i])));
  }, 240_000);

  it('a client that closes its connection ends the pod side (FORWARD_END)', async () => {
    const lport = await forward('alice+db-0.prod', 'localhost:9000');
    const before = events('FORWARD_END').length;
    const r = await roundTrip(lport, Buffer.from('ping\n'), 5);
    expect(r.received.toString()).toBe('ping\n');
    await waitFor(() => events('FORWARD_END').length > before, 'FORWARD_END after the client closed', 30_000);
  }, 60_000);

  it('::1 is the pod loopback too', async () => {
    const lport = await forward('alice+db-0.prod', '[::1]:9000');
    const r = await roundTrip(lport, Buffer.from('six\n'), 4);
    expect(r.received.toString()).toBe('six\n');
  }, 60_000);
});

describe('ssh -D (SOCKS)', () => {
  it('curl --socks5-hostname to 127.0.0.1:8080 reaches the pod', async () => {
    const lport = await freePort();
    background(pg, 'alice+web-5d4c8b-q7m4z.prod', ['-D', `127.0.0.1:${lport}`]);
    await waitListening(lport);
    const r = await runClient('curl', ['-sS', '--max-time', '30', '--socks5-hostname', `127.0.0.1:${lport}`, 'http://127.0.0.1:8080/']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('hello from web-5d4c8b-q7m4z\n');
    const r2 = await runClient('curl', ['-sS', '--max-time', '30', '--socks5-hostname', `127.0.0.1:${lport}`, 'http://localhost:8080/']);
    expect(r2.stdout.toString()).toBe('hello from web-5d4c8b-q7m4z\n');
  }, 120_000);
});

describe('refusals are clean and fast', () => {
  it('another destination host is refused: the channel open fails, nothing hangs', async () => {
    for (const dest of ['10.1.2.3:80', 'example.com:80', 'web.prod:8080', '127.0.0.2:8080']) {
      const lport = await freePort();
      const b = background(pg, 'alice+web-5d4c8b-x2k9p.prod', ['-L', `127.0.0.1:${lport}:${dest}`], { logLevel: 'INFO' });
      await waitListening(lport);
      const t0 = Date.now();
      const r = await roundTrip(lport, Buffer.from('GET / HTTP/1.0\r\n\r\n'), 1, 20_000);
      expect(r.closedByPeer).toBe(true);
      expect(r.received.length).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
      // What the user sees at the default LogLevel.
      await waitFor(() => /open failed: connect failed/.test(b.stderr()), 'the client\'s refusal message', 10_000);
    }
    const refused = events('FORWARD_DENIED').filter((e) => e['result'] === 'refused-destination').map((e) => `${String(e['host'])}:${String(e['port'])}`);
    expect(refused).toEqual(expect.arrayContaining(['10.1.2.3:80', 'example.com:80', 'web.prod:8080', '127.0.0.2:8080']));
  }, 120_000);

  it('the client reports the refusal with -W', async () => {
    const r = await ssh(pg, 'alice+web-5d4c8b-x2k9p.prod', [], { extraArgs: ['-W', '10.1.2.3:80'], timeoutMs: 30_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/open failed|stdio forwarding failed/);
  }, 60_000);

  it('a closed port in the pod closes the forwarded connection at once, audited as refused', async () => {
    const lport = await forward('alice+db-0.prod', 'localhost:9');
    const t0 = Date.now();
    const r = await roundTrip(lport, Buffer.from('hello\n'), 1, 20_000);
    expect(r.closedByPeer).toBe(true);
    expect(r.received.length).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const end = await waitFor(() => events('FORWARD_END').find((e) => e['pod'] === 'db-0' && e['port'] === 9 && e['result'] === 'refused'), 'FORWARD_END port 9 refused');
    expect(end).toMatchObject({ message: 'port 9 of pod db-0 refused the connection', bytesOut: 0 });
    expect(end['errorCode']).toBeUndefined();
    const c = await runClient('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${lport}/`]);
    expect(c.code).not.toBe(0);
    expect(c.code).not.toBe(28); // not a timeout
  }, 60_000);

  it('policy allow.forwarding: false refuses every forward', async () => {
    const r = await ssh(pg, 'nofwd+db-0.prod', [], { extraArgs: ['-W', 'localhost:9000'], timeoutMs: 30_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/open failed|stdio forwarding failed/);
  }, 60_000);

  it('RBAC decides: a namespace the user may not port-forward in is refused', async () => {
    const r = await ssh(pg, 'alice+api-0.staging', [], { extraArgs: ['-W', 'localhost:8080'], timeoutMs: 30_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/open failed|stdio forwarding failed/);
    const denied = await waitFor(() => events('FORWARD_DENIED').find((e) => e['target'] === 'api-0.staging'), 'FORWARD_OPEN denied');
    expect(denied).toMatchObject({ result: 'denied', errorCode: expect.stringMatching(/FORBIDDEN|NAMESPACE_NOT_ALLOWED/) });
  }, 60_000);

  it('a connection without a target forwards nothing', async () => {
    const r = await ssh(pg, 'alice', [], { extraArgs: ['-W', 'localhost:9000'], timeoutMs: 30_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/open failed|stdio forwarding failed/);
    expect(events('FORWARD_DENIED').some((e) => e['result'] === 'no-target')).toBe(true);
  }, 60_000);

  it('remote forwarding (-R) is refused with the client\'s message', async () => {
    const r = await ssh(pg, 'alice+db-0.prod', ['true'], { extraArgs: ['-o', 'ExitOnForwardFailure=yes', '-R', '0:localhost:9'], timeoutMs: 30_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/remote port forwarding failed/);
  }, 60_000);
});

describe('bookkeeping', () => {
  it('every FORWARD_OPEN gets its FORWARD_END once the clients are gone; the active gauge returns to 0', async () => {
    await stopAllBackground();
    await waitFor(() => events('FORWARD_OPEN').length === events('FORWARD_END').length, 'FORWARD_END for every FORWARD_OPEN', 30_000);
    expect(events('FORWARD_OPEN').length).toBeGreaterThan(60);
    const metrics = await waitFor(async () => {
      const body = await (await fetch(`http://127.0.0.1:${pg.metricsPort!}/metrics`)).text();
      return /^podgate_forwards_active 0$/m.test(body) ? body : null;
    }, 'podgate_forwards_active 0', 30_000);
    expect(metrics).toMatch(/podgate_forwards_total\{result="refused"\} [1-9]/);
  }, 60_000);
});
