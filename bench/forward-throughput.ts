/**
 * Port-forward throughput (issue #8): `ssh -L` through podgate to db-0's echo server, side by
 * side with what it is built on, all to the same pod port on the same emulator:
 *   - @kubernetes/client-node's PortForward behind a local TCP server (the "direct" baseline)
 *   - podgate's own kube client (KubeApi.portForward) behind a local TCP server
 * (kubectl port-forward is not a row: it speaks SPDY, or SPDY tunnelled over WebSocket, which the
 * emulator does not serve; it serves the v4.channel.k8s.io WebSocket protocol only.)
 *   - ssh -L through podgate (OpenSSH client, ssh2 server, then podgate's kube client)
 * Each row sends N MiB and reads the N MiB echo back on one connection (so every byte crosses
 * the path twice); MB/s = N MiB / time. Usage: node --import tsx bench/forward-throughput.ts [MiB] [runs]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { startEmulator } from '../src/emulator/index.ts';
import { createKubeApi } from '../src/kube/index.ts';
import { startPodgate, type Podgate } from '../test/helpers/podgate.ts';
import { sshArgs } from '../test/helpers/ssh.ts';
import { freePort, roundTrip, waitListening } from '../test/forward-helpers.ts';

const MIB = Number(process.argv[2] ?? 64);
const RUNS = Number(process.argv[3] ?? 3);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const dir = mkdtempSync(join(tmpdir(), 'podgate-fwd-bench-'));
const emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
const kubeconfig = join(dir, 'kubeconfig');
emu.writeKubeconfig(kubeconfig, { token: 'admin-token' });
const servers: net.Server[] = [];
const children: ChildProcess[] = [];
let pg: Podgate | null = null;

async function localServer(onSocket: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer((s) => {
    s.on('error', () => undefined);
    onSocket(s);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as net.AddressInfo).port;
}

try {
  const data = randomBytes(MIB * 1024 * 1024);
  const want = sha(data);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const pf = new PortForward(kc);
  const clientNode = await localServer((s) => {
    pf.portForward('prod', 'db-0', [9000], s, null, s).catch(() => s.destroy());
  });
  const kube = createKubeApi({ kubeconfig, requestTimeoutMs: 20_000 });
  const podgateKube = await localServer((s) => {
    kube.portForward({ namespace: 'prod', pod: 'db-0', port: 9000, identity: { user: 'alice', groups: ['dev'] } }).then((p) => {
      p.socket.on('error', () => s.destroy());
      s.pipe(p.socket);
      p.socket.pipe(s);
      s.on('close', () => p.abort());
    }, () => s.destroy());
  });
  pg = await startPodgate({ emulator: emu });
  const sshPort = await freePort();
  const ssh = spawn('/usr/bin/ssh', sshArgs(pg, 'alice+db-0.prod', [], { extraArgs: ['-N', '-L', `127.0.0.1:${sshPort}:localhost:9000`] }), { stdio: 'ignore' });
  children.push(ssh);
  await waitListening(sshPort);

  const rows: [string, number][] = [
    ['client-node PortForward (direct)', clientNode],
    ['podgate kube client portForward (direct)', podgateKube],
    ['ssh -L through podgate', sshPort],
  ];
  console.log(`${MIB} MiB each way per run (echo), ${RUNS} runs, best and median; ${new Date().toISOString()}`);
  const best: Record<string, number> = {};
  for (const [label, port] of rows) {
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await roundTrip(port, data, data.length, 600_000);
      const s = (performance.now() - t0) / 1000;
      if (sha(r.received) !== want) throw new Error(`${label}: echo mismatch (${r.received.length} bytes)`);
      rates.push((MIB * 1.048576) / s);
    }
    rates.sort((a, b) => a - b);
    best[label] = rates[rates.length - 1]!;
    console.log(`${label.padEnd(44)} best ${best[label].toFixed(0).padStart(5)} MB/s  median ${rates[Math.floor(rates.length / 2)].toFixed(0).padStart(5)} MB/s`);
  }
  const base = best['client-node PortForward (direct)'];
  console.log(`ratio ssh -L / client-node direct: ${(best['ssh -L through podgate'] / base).toFixed(2)}; ssh -L / podgate kube direct: ${(best['ssh -L through podgate'] / best['podgate kube client portForward (direct)']).toFixed(2)}`);
  kube.close();
} finally {
  for (const c of children) c.kill('SIGTERM');
  for (const s of servers) s.close();
  await pg?.stop();
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
}
