/**
 * startEmulator(): the Kubernetes API emulator (API-server half) on HTTPS (default) or HTTP,
 * with the fixture's objects, RBAC and tokens, and the container runtime starting every pod.
 * See README.md in this folder for what it serves and how it deviates from a real cluster.
 */
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { DEFAULT_CIPHERS } from 'node:tls';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { ContainerRuntime, ProcessInfo } from './runtime/types.ts';
import type { Emulator, EmulatorOptions, FaultOptions } from './types.ts';
import type { ServerContext } from './context.ts';
import { findPod } from './context.ts';
import { loadFixture, parseFixture } from './fixture.ts';
import { ObjectStore } from './store.ts';
import { Authorizer } from './rbac.ts';
import { Faults } from './faults.ts';
import { RequestLog } from './request-log.ts';
import { dispatcher } from './dispatch.ts';
import { generateTls } from './tls.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { runtimeSpec } from './pod-view.ts';
import { findResource } from './resources.ts';
import { DEFAULT_SERVER_VERSION, parseServerVersion } from './server-version.ts';


/**
 * TLS 1.3 suite order as Go's crypto/tls server (kube-apiserver) applies it on AES-capable
 * hardware: AES-128-GCM, then ChaCha20, then AES-256-GCM, whatever the client lists first.
 * Node's own server default would pick AES-256-GCM for every client; TLS 1.2 keeps Node's list.
 */
export const GO_TLS13_ORDER = [
  'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384',
  ...DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_')),
].join(':');

export type { Emulator, EmulatorOptions, FaultOptions, RequestLogEntry, KubeconfigOptions } from './types.ts';

async function defaultRuntime(stateDir: string): Promise<ContainerRuntime> {
  const mod = (await import('./runtime/index.ts'));
  return mod.createRuntime({ stateDir });
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen must be HOST:PORT, got ${listen}`);
  return { host: m[1] === '' ? '127.0.0.1' : m[1], port: Number(m[2]) };
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const fixture = opts.fixtureText !== undefined ? parseFixture(opts.fixtureText) : loadFixture(opts.fixture ?? 'test/fixtures/cluster.yaml');
  const ownStateDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'podgate-emu-'));
  mkdirSync(stateDir, { recursive: true });
  const tls = opts.tls !== false;
  const material = tls ? await generateTls(stateDir) : null;
  const objects = [...fixture.objects];
  if (!objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'default')) {
    objects.unshift({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  }
  const store = new ObjectStore(objects);
  const runtime = opts.runtime ?? (await defaultRuntime(join(stateDir, 'runtime')));
  const podDef = findResource('', 'v1', 'pods')!;
  const pods = store.list(podDef, '');
  const abandon = async (err: unknown): Promise<never> => {
    await runtime.shutdown().catch(() => undefined);
    if (ownStateDir) rmSync(stateDir, { recursive: true, force: true });
    throw err;
  };
  try {
    for (const pod of pods) {
      const { spec, states } = runtimeSpec(pod, fixture.config);
      await runtime.startPod(spec, states);
    }
  } catch (err) {
    await abandon(err);
  }
  let address = '';
  const version = parseServerVersion(opts.serverVersion ?? fixture.config.serverVersion ?? DEFAULT_SERVER_VERSION);
  const ctx: ServerContext = { store, authz: new Authorizer(objects), runtime, config: fixture.config, version, address: () => address };
  const log = new RequestLog();
  const faults = new Faults();
  const processes = async (namespace: string, pod: string, container: string): Promise<ProcessInfo[]> => {
    const p = findPod(ctx, namespace, pod);
    if (!p) throw new Error(`pod ${namespace}/${pod} not found`);
    return runtime.processes(p.metadata.uid ?? '', container);
  };
  const sockets = new Set<Socket>();
  const fault = (f: FaultOptions): void => {
    faults.set(f, (ms) => runtime.setExecDropAfterMs(ms));
    // "The API server went away": open keep-alive connections die too, not only new ones.
    if (f.dropOpenConnections === true) for (const s of sockets) s.destroy();
  };
  const d = dispatcher({ ctx, log, faults, control: opts.control ? { processes, requests: () => log.snapshot(), fault } : null });
  const server: HttpServer = material
    ? createHttpsServer({ cert: material.certPem, key: material.keyPem, ciphers: GO_TLS13_ORDER, honorCipherOrder: true }, d.onRequest)
    : createHttpServer(d.onRequest);
  server.on('upgrade', d.onUpgrade);
  server.on('connection', (s: Socket) => {
    if (faults.refuse) { s.destroy(); return; }
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => { /* a client gave up during the handshake */ });
  try {
    const { host, port } = parseListen(opts.listen ?? '127.0.0.1:0');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    await abandon(err);
  }
  server.on('error', () => { /* listening errors after start are not fatal to tests */ });
  const a = server.address() as AddressInfo;
  const urlHost = a.family === 'IPv6' ? `[${a.address}]` : a.address === '0.0.0.0' ? '127.0.0.1' : a.address;
  address = `${urlHost}:${a.port}`;
  const url = `${tls ? 'https' : 'http'}://${address}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    caPem: material?.caPem ?? null,
    writeKubeconfig: (path, o) => writeKubeconfig(path, url, material?.caPem ?? null, o),
    processes,
    requests: async () => log.snapshot(),
    fault,
    close: () => {
      closing ??= (async () => {
        faults.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
          server.closeAllConnections?.();
        });
        await runtime.shutdown();
        if (ownStateDir) rmSync(stateDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
