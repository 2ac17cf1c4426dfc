import { describe, expect, it } from 'vitest';
import { parseScpCommand } from './scp-command.ts';

describe('parseScpCommand', () => {
  it('reads what OpenSSH scp -O sends', () => {
    expect(parseScpCommand('scp -t /tmp/x')).toEqual({ mode: 'sink', recursive: false, preserve: false, targetIsDir: false, verbose: false, path: '/tmp/x', fromHome: false });
    expect(parseScpCommand('scp -v -r -p -d -t dir')).toMatchObject({ mode: 'sink', recursive: true, preserve: true, targetIsDir: true, verbose: true, path: 'dir' });
    expect(parseScpCommand('scp -f -- -dash')).toMatchObject({ mode: 'source', path: '-dash' });
    expect(parseScpCommand('scp -t -- /tmp/x')).toMatchObject({ path: '/tmp/x' });
  });
  it('reads one shell word as the path: quotes and backslashes', () => {
    expect(parseScpCommand("scp -f 'a b'")).toMatchObject({ path: 'a b' });
    expect(parseScpCommand('scp -f a\\ b')).toMatchObject({ path: 'a b' });
    expect(parseScpCommand(`scp -f a\\ b'c d'"e\\"f"`)).toMatchObject({ path: 'a bc de"f' });
    expect(parseScpCommand("scp -t '$(x)`y`;&|<>'")).toMatchObject({ path: '$(x)`y`;&|<>' });
    expect(parseScpCommand('scp -t caf\u00e9')).toMatchObject({ path: 'caf\u00e9' });
  });
  it('a leading ~ is the home directory', () => {
    expect(parseScpCommand('scp -t ~')).toMatchObject({ path: '', fromHome: true });
    expect(parseScpCommand('scp -t ~/a/b')).toMatchObject({ path: 'a/b', fromHome: true });
    expect(parseScpCommand('scp -t ~root/x')).toBeNull();
  });
  it('is null for anything a shell would read as more than that argv', () => {
    for (const c of [
      'ls -l', 'scp -t -f x', 'scp -t', 'scp -x -t y', 'scp -rt x', 'scp -t -t x', 'scp -t x y', 'scp -f x & id; echo INJECTED',
      'scp -t $(echo X >&2)', 'scp -t `id`', 'scp -t "$(id)"', 'scp -t "`id`"', 'scp -t "$HOME"', 'scp -f x;id', 'scp -f x|id', 'scp -f x>y',
      'scp -f x<y', 'scp -f x\nid', 'scp -f x\rid', 'scp -f *.txt', 'scp -f a?', 'scp -f [ab]', 'scp -f {a,b}', 'scp -f #x', 'scp -f $x',
      "scp -f 'unterminated", 'scp -f "unterminated', 'scp -f x\\', 'scp -f -x', "'scp' -f x", 'scp -f x -r', 'scp -- -t x', 'scp -t ""',
      'scp -f (x)', 'scp -f x!', 'exec scp -f x', ' scp -f x &',
    ]) expect(parseScpCommand(c), c).toBeNull();
  });
});
