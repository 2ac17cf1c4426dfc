import { describe, expect, it } from 'vitest';
import { parseScpCommand, shellUnquote } from './scp-command.ts';

describe('parseScpCommand', () => {
  it('reads what OpenSSH scp -O sends', () => {
    expect(parseScpCommand('scp -t -- /tmp/x')).toEqual({ mode: 'sink', recursive: false, preserve: false, targetIsDir: false, path: '/tmp/x' });
    expect(parseScpCommand('scp -v -r -p -d -t -- dir')).toMatchObject({ mode: 'sink', recursive: true, preserve: true, targetIsDir: true, path: 'dir' });
    expect(parseScpCommand('scp -f -- -dash')).toMatchObject({ mode: 'source', path: '-dash' });
    expect(parseScpCommand("scp -f 'a b'")).toMatchObject({ path: 'a b' });
  });
  it('is null for anything else', () => {
    expect(parseScpCommand('ls -l')).toBeNull();
    expect(parseScpCommand('scp -t -f x')).toBeNull();
    expect(parseScpCommand('scp -t')).toBeNull();
    expect(parseScpCommand('scp -x -t y')).toBeNull();
  });
  it('unquotes shell words', () => {
    expect(shellUnquote(`a\\ b'c d'"e\\"f"`)).toBe('a bc de"f');
  });
});
