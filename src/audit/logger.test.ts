import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = { write: (s: string) => { raw.push(s); lines.push(JSON.parse(s) as Record<string, unknown>); } };
  return { lines, raw, logger: createLogger({ destination }) };
}

describe('createLogger', () => {
  it('writes one JSON line per event with service, code, level and ISO time', () => {
    const { lines, logger } = capture();
    logger.child({ connId: 'c1' }).info({ code: 'AUTH_ATTEMPT', user: 'alice', result: 'accepted' }, 'auth');
    expect(lines[0]).toMatchObject({ service: 'podgate', level: 'info', code: 'AUTH_ATTEMPT', connId: 'c1', user: 'alice', msg: 'auth' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts secret-looking keys at any of the first levels', () => {
    const { lines, logger } = capture();
    logger.info({ token: 't0p', kube: { bearerToken: 'b', user: 'x' }, req: { headers: { authorization: 'Bearer z' } }, password: 'p' });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['t0p', '"b"', 'Bearer z', '"p"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ token: '[redacted]', kube: { bearerToken: '[redacted]', user: 'x' } });
  });

  it('writes each key once when an event repeats what a child logger binds', () => {
    const { lines, raw, logger } = capture();
    logger.child({ connId: 'c1', user: 'alice' }).info({ code: 'SESSION_START', connId: 'c1', user: 'alice', pod: 'web' }, 'start');
    expect(raw[0].match(/"connId"/g)).toHaveLength(1);
    expect(raw[0].match(/"user"/g)).toHaveLength(1);
    expect(lines[0]).toMatchObject({ code: 'SESSION_START', connId: 'c1', user: 'alice', pod: 'web' });
  });
});
