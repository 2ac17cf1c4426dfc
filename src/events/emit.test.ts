import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../audit/logger.ts';
import { EventBus, type Envelope } from './bus.ts';
import { emit } from './emit.ts';

describe('emit', () => {
  it('publishes once to every subscriber and to the podgate.audit diagnostics_channel; a throwing subscriber harms nobody', () => {
    const bus = new EventBus();
    const lines: string[] = [];
    const logger = createLogger({ bus, destination: { write: (s: string) => void lines.push(s) } });
    const seen: string[] = [];
    bus.subscribe(() => { throw new Error('a buggy subscriber'); });
    bus.subscribe(({ event }) => void seen.push(event.code));
    const external: unknown[] = [];
    const onMessage = (m: unknown) => void external.push((m as Envelope).event.code);
    subscribe('podgate.audit', onMessage);
    try {
      emit(logger.child({ connId: 'c1' }), { code: 'SHUTDOWN_DONE' }, 'stopped');
    } finally {
      unsubscribe('podgate.audit', onMessage);
    }
    expect(seen).toEqual(['SHUTDOWN_DONE']);
    expect(external).toEqual(['SHUTDOWN_DONE']);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ code: 'SHUTDOWN_DONE', connId: 'c1', msg: 'stopped', level: 'info' });
  });

  it('a logger without a bus (a bare pino) still gets the line, at the catalogue level', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    emit(logger, { code: 'KUBE_EXEC_WS_ERROR', err: 'socket hang up' });
    expect(JSON.parse(lines[0])).toMatchObject({ code: 'KUBE_EXEC_WS_ERROR', level: 20 });
    emit(undefined, { code: 'KUBE_EXEC_WS_ERROR', err: 'no logger: nothing happens' });
  });
});
