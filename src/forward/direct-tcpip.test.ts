import { singleCluster } from '../clusters/choose.ts';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { PodgateConfig, UserConfig } from '../config/types.ts';
import type { KubeApi, PortForwardRequest, PortStream } from '../kube/types.ts';
import type { TcpipContext } from '../session/extensions.ts';
import type { ResolvedTarget } from '../target/resolve.ts';
import { createDirectTcpipHandler } from './direct-tcpip.ts';

interface Harness {
  ctx: TcpipContext;
  lines: Record<string, unknown>[];
  forwards: PortForwardRequest[];
  resolves: number;
}

function harness(connId = 'c1'): Harness {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>); } });
  const h: Harness = { lines, forwards: [], resolves: 0, ctx: undefined as unknown as TcpipContext };
  const kube = {
    portForward: async (req: PortForwardRequest): Promise<PortStream> => {
      h.forwards.push(req);
      const socket = new PassThrough();
      return { socket, done: new Promise(() => undefined), abort: () => socket.destroy() };
    },
  } as unknown as KubeApi;
  h.ctx = {
    connId, user: { name: 'alice' } as UserConfig, identity: { user: 'alice', groups: ['dev'] }, kube, cluster: 'default', clusters: singleCluster(kube), config: {} as PodgateConfig, logger,
    target: { kind: 'auto', name: 'db-0', namespace: 'prod', raw: 'db-0.prod' },
    resolve: async () => { h.resolves++; return { namespace: 'prod', pod: 'db-0', container: 'db' } as ResolvedTarget; },
  };
  return h;
}

function open(handler: ReturnType<typeof createDirectTcpipHandler>, h: Harness, destIP: string, destPort: number): Promise<'accepted' | 'rejected'> {
  return new Promise((resolve) => {
    handler({ destIP, destPort, srcIP: '127.0.0.1', srcPort: 5000 }, () => {
      resolve('accepted');
      return new PassThrough();
    }, () => resolve('rejected'), h.ctx);
  });
}

describe('direct-tcpip handler', () => {
  it('forwards the pod loopback to the pod port as the user, resolving once per connection', async () => {
    const handler = createDirectTcpipHandler();
    const h = harness();
    expect(await open(handler, h, 'localhost', 9000)).toBe('accepted');
    expect(await open(handler, h, '::1', 9001)).toBe('accepted');
    expect(h.forwards).toEqual([
      { namespace: 'prod', pod: 'db-0', port: 9000, identity: { user: 'alice', groups: ['dev'] } },
      { namespace: 'prod', pod: 'db-0', port: 9001, identity: { user: 'alice', groups: ['dev'] } },
    ]);
    expect(h.resolves).toBe(1);
    expect(h.lines.filter((l) => l['code'] === 'FORWARD_OPEN')).toHaveLength(2);
  });

  it('audits at most 253 characters of a refused host, whatever length the client sent', async () => {
    const handler = createDirectTcpipHandler();
    const h = harness();
    expect(await open(handler, h, 'x'.repeat(30_000), 80)).toBe('rejected');
    const denied = h.lines.find((l) => l['code'] === 'FORWARD_DENIED')!;
    expect(JSON.stringify(denied).length).toBeLessThan(2000);
    expect(String(denied['host'])).toBe(`${'x'.repeat(253)}…`);
  });

  it('refuses other hosts and bad ports without calling the API', async () => {
    const handler = createDirectTcpipHandler();
    const h = harness();
    for (const [host, port] of [['10.0.0.1', 80], ['example.com', 443], ['localhost', 0]] as const) {
      expect(await open(handler, h, host, port)).toBe('rejected');
    }
    expect(h.forwards).toHaveLength(0);
    expect(h.resolves).toBe(0);
    expect(h.lines.map((l) => [l['code'], l['result']])).toEqual(Array(3).fill(['FORWARD_DENIED', 'refused-destination']));
  });

  it('caps forwarded connections open at once per SSH connection', async () => {
    const handler = createDirectTcpipHandler({ maxPerConnection: 2 });
    const h = harness('c1');
    expect(await open(handler, h, 'localhost', 9000)).toBe('accepted');
    expect(await open(handler, h, 'localhost', 9000)).toBe('accepted');
    expect(await open(handler, h, 'localhost', 9000)).toBe('rejected');
    expect(h.lines.at(-1)).toMatchObject({ code: 'FORWARD_DENIED', result: 'limit' });
    // Another connection has its own budget.
    expect(await open(handler, harness('c2'), 'localhost', 9000)).toBe('accepted');
  });
});
