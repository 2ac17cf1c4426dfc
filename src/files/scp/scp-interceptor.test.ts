import { describe, expect, it } from 'vitest';
import { parseScpCommand } from './scp-command.ts';
import { createScpInterceptor, scpShellCommand } from './scp-interceptor.ts';

const line = (c: string): string => scpShellCommand(parseScpCommand(c)!);

describe('scpShellCommand', () => {
  it('rebuilds the command from parsed pieces, quoting every byte of the path', () => {
    expect(line('scp -t /tmp/x')).toBe("scp -t -- '/tmp/x'");
    expect(line('scp -v -r -p -d -f -- -dash')).toBe("scp -v -r -p -d -f -- '-dash'");
    expect(line(`scp -t "it's \\$(id)"`)).toBe(`scp -t -- 'it'\\''s $(id)'`);
    expect(line("scp -f '`id`;&|'")).toBe("scp -f -- '`id`;&|'");
    expect(line('scp -t ~')).toBe('scp -t -- "$HOME"');
    expect(line('scp -t ~/a\\ b')).toBe(`scp -t -- "$HOME"/'a b'`);
  });
  it('the interceptor takes exact scp only, as the scp action', () => {
    const take = createScpInterceptor();
    expect(take('scp -f x')?.action).toBe('scp');
    expect(take('scp -f x & id')).toBeNull();
    expect(take('rsync --server -e.LsfxCIvu . /tmp/x')).toBeNull();
  });
});
