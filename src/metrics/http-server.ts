/**
 * The operator's HTTP port: `/metrics` (Prometheus text), `/healthz` (the process is up) and
 * `/readyz` (the SSH listener is up, the Kubernetes API was reachable when last used, and we
 * are not shutting down; 503 otherwise, with the reason in the body).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ListenAddress } from '../config/listen.ts';

export interface Readiness {
  sshListening(): boolean;
  apiReachable(): boolean;
  shuttingDown(): boolean;
}

export interface MetricsServer {
  readonly address: ListenAddress;
  close(): Promise<void>;
}

function notReadyReason(r: Readiness): string | null {
  if (r.shuttingDown()) return 'shutting down';
  if (!r.sshListening()) return 'SSH listener not up';
  if (!r.apiReachable()) return 'Kubernetes API unreachable (last known)';
  return null;
}

export function startMetricsServer(opts: { listen: ListenAddress; registry: Registry; readiness: Readiness }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    res.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const reason = notReadyReason(opts.readiness);
      res.writeHead(reason === null ? 200 : 503, { 'content-type': 'text/plain' }).end(reason === null ? 'ready\n' : `not ready: ${reason}\n`);
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz, /readyz\n');
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      const addr = server.address() as AddressInfo;
      resolve({
        address: { host: addr.address, port: addr.port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
