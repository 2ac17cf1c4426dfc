/**
 * The operator's HTTP port: `/metrics` (Prometheus text), `/healthz` (the process is alive: its
 * event loop is not stuck; 503 otherwise) and `/readyz` (config and host keys loaded, SSH
 * listener up, not draining, Kubernetes API reachable by the periodic probe; 503 otherwise,
 * with the reasons in the body). See src/health/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ListenAddress } from '../config/listen.ts';

export interface Health {
  /** Readiness: whether this replica can serve now, and why not. */
  ready(): { ready: boolean; reasons: string[] };
  /** Liveness: null when alive, else why not. */
  notAlive(): string | null;
}

export interface MetricsServer {
  readonly address: ListenAddress;
  close(): Promise<void>;
}

export function startMetricsServer(opts: { listen: ListenAddress; registry: Registry; health: Health }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    res.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const why = opts.health.notAlive();
      res.writeHead(why === null ? 200 : 503, { 'content-type': 'text/plain' }).end(why === null ? 'ok\n' : `not healthy: ${why}\n`);
    } else if (path === '/readyz') {
      const r = opts.health.ready();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(r.ready ? 'ready\n' : `not ready: ${r.reasons.join('; ')}\n`);
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
