import { describe, expect, it } from 'vitest';
import { emit } from '../events/emit.ts';
import { observedLogger, withOverrides } from './observed-logger.ts';

function sink() {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(s) } };
}

describe('the log from the config: log.level and log.format', () => {
  it('writes JSON at info by default, STARTING first with the version and commit', () => {
    const s = sink();
    observedLogger({ level: 'info', format: 'json' }, s.destination);
    const first = JSON.parse(s.lines[0]) as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', code: 'STARTING', version: expect.any(String), commit: expect.any(String), node: process.versions.node });
  });

  it('log.level warn drops info lines but not the metrics', async () => {
    const s = sink();
    const { logger, metrics } = observedLogger({ level: 'warn', format: 'json' }, s.destination);
    emit(logger, { code: 'SESSION_START', connId: 'c', sessionId: 's', user: 'u', identity: null, namespace: 'n', pod: 'p', container: 'c', command: null, pty: false });
    emit(logger, { code: 'SESSION_ERROR', sessionId: 's', errorCode: 'API_ERROR', message: 'boom' });
    expect(s.lines.map((l) => (JSON.parse(l) as { code: string }).code)).toEqual(['SESSION_ERROR']);
    expect(await metrics.registry.metrics()).toContain('podgate_sessions_active 1');
  });

  it('log.format text writes readable lines; the command line overrides the config', () => {
    const s = sink();
    withOverrides({ logFormat: 'text' })({ level: 'info', format: 'json' }, s.destination);
    expect(s.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}STARTING podgate \S+ \(commit \S+, node \S+\) {2}commit=/);
    const quiet = sink();
    withOverrides({ logLevel: 'error' })({ level: 'info', format: 'json' }, quiet.destination);
    expect(quiet.lines).toEqual([]);
  });
});
