import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { formatTextLine, textDestination } from './text-format.ts';

describe('log.format: text', () => {
  it('writes one readable line per event, secrets still redacted', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: textDestination({ write: (s: string) => void lines.push(s) }) });
    logger.child({ connId: 'c1' }).info({ code: 'SESSION_START', user: 'alice', command: 'echo hi', pty: false, token: 'sekrit' }, 'session start');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}SESSION_START session start {2}connId=c1 user=alice command="echo hi" pty=false token=\[redacted\]\n$/);
    expect(lines[0]).not.toContain('sekrit');
  });

  it('passes a line that is not JSON through', () => {
    expect(formatTextLine('plain\n')).toBe('plain\n');
  });
});
