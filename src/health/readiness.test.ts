import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../audit/logger.ts';
import { EventBus } from '../events/bus.ts';
import { emit } from '../events/emit.ts';
import { startApiProbe } from './api-probe.ts';
import { createReadiness } from './readiness.ts';
import { PodgateError } from '../errors/index.ts';

const silent = () => {
  const bus = new EventBus();
  return { bus, logger: createLogger({ level: 'silent', bus, destination: pino.destination({ dest: '/dev/null', sync: true }) }) };
};

describe('readiness follows the events', () => {
  it('needs the listener and a good probe, and turns off while draining', () => {
    const { bus, logger } = silent();
    const r = createReadiness(bus, { probeApi: true });
    expect(r.state().reasons).toEqual(['SSH listener not up (config and host keys not loaded yet)', 'Kubernetes API not probed yet']);
    emit(logger, { code: 'SERVER_LISTENING', address: '127.0.0.1', port: 1 });
    emit(logger, { code: 'API_PROBE', ok: false, latencyMs: 1, errorCode: 'API_UNREACHABLE', message: 'connect ECONNREFUSED' });
    expect(r.state()).toEqual({ ready: false, reasons: ['Kubernetes API unreachable: connect ECONNREFUSED'] });
    emit(logger, { code: 'API_PROBE', ok: true, latencyMs: 1 });
    expect(r.state()).toEqual({ ready: true, reasons: [] });
    emit(logger, { code: 'SIGNAL', signal: 'SIGTERM', graceMs: 0, connections: 0 });
    expect(r.state().reasons).toEqual(['shutting down']);
    r.dispose();
  });
});

describe('the API probe', () => {
  it('reports the first result and then only changes, and recovers by itself', async () => {
    const { bus, logger } = silent();
    const seen: boolean[] = [];
    bus.subscribe(({ event }) => { if (event.code === 'API_PROBE') seen.push(event.ok === true); });
    const answers = [true, true, false, false, true, true];
    let calls = 0;
    const probe = startApiProbe({
      intervalMs: 5,
      logger,
      probe: () => {
        const ok = answers[Math.min(calls++, answers.length - 1)];
        return ok ? Promise.resolve() : Promise.reject(new PodgateError('API_UNREACHABLE', 'down'));
      },
    });
    await probe.first;
    for (let i = 0; i < 400 && calls < answers.length + 1; i++) await new Promise((r) => setTimeout(r, 5));
    probe.stop();
    expect(seen).toEqual([true, false, true]);
  });
});

// Several clusters (docs/clusters.md).
describe('readiness with several clusters', () => {
  it('follows the default cluster\'s probe only', () => {
    const { bus, logger } = silent();
    const r = createReadiness(bus, { probeApi: true });
    emit(logger, { code: 'SERVER_LISTENING', address: '127.0.0.1', port: 1 });
    emit(logger, { code: 'API_PROBE', ok: true, latencyMs: 1, cluster: 'home', isDefault: true });
    emit(logger, { code: 'API_PROBE', ok: false, latencyMs: 1, cluster: 'eu1', isDefault: false, message: 'connect ECONNREFUSED' });
    expect(r.state()).toEqual({ ready: true, reasons: [] });
    emit(logger, { code: 'API_PROBE', ok: false, latencyMs: 1, cluster: 'home', isDefault: true, message: 'timeout' });
    emit(logger, { code: 'API_PROBE', ok: true, latencyMs: 1, cluster: 'eu1', isDefault: false });
    expect(r.state()).toEqual({ ready: false, reasons: ['Kubernetes API unreachable: timeout'] });
    r.dispose();
  });
});
