import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startMetricsServer, type MetricsServer } from '../metrics/http-server.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { startLoopMonitor, type LoopMonitor } from './loop-monitor.ts';

let server: MetricsServer | null = null;
let monitor: LoopMonitor | null = null;
afterEach(async () => {
  monitor?.stop();
  await server?.close();
  server = null;
});

function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* a wedged event loop */ }
}

/** Polls until 200 (at most ~5 s); returns the last status. */
async function healthyWithin(url: string): Promise<number> {
  let status = 0;
  for (let i = 0; i < 250 && status !== 200; i++) {
    status = (await fetch(url)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 20));
  }
  return status;
}

describe('/healthz and the event-loop monitor', () => {
  it('answers 503 after the loop was stuck beyond the bound, and 200 again once it runs freely', async () => {
    const lines: string[] = [];
    monitor = startLoopMonitor({ maxLagMs: 250, sampleMs: 20, logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) });
    const m = monitor;
    server = await startMetricsServer({
      listen: { host: '127.0.0.1', port: 0 },
      registry: createMetrics({ defaultMetrics: false }).registry,
      health: { ready: () => ({ ready: true, reasons: [] }), notAlive: () => (m.healthy() ? null : `event loop lag ${Math.round(m.lagMs())} ms`) },
    });
    const url = `http://127.0.0.1:${server.address.port}/healthz`;
    // A loaded test machine may lag briefly: wait for a healthy answer first.
    expect(await healthyWithin(url)).toBe(200);
    const pending = fetch(url);
    blockFor(1000);
    const stuck = await pending;
    expect(stuck.status).toBe(503);
    expect(await stuck.text()).toMatch(/event loop lag \d+ ms/);
    expect(lines.some((l) => l.includes('"code":"EVENT_LOOP_STALLED"'))).toBe(true);
    // Free running again: the next samples are on time.
    expect(await healthyWithin(url)).toBe(200);
  });
});
