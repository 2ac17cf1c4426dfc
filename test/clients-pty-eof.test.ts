/**
 * A PTY session's output survives the client's EOF (issue 13 item 9): `ssh -tt … </dev/null`
 * sends EOF at once; sshd ignores EOF on a PTY, so the command's output must still arrive.
 */
import { describe, expect, it } from 'vitest';
import { ssh } from './helpers/ssh.ts';
import { useBastion } from './helpers/bastion-suite.ts';

const bastion = useBastion();

describe('PTY exec after the client EOF', () => {
  it('ssh -tt with stdin at EOF still prints the output and the exit status', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['echo a; sleep 0.3; echo b; exit 5'], { tty: true });
    expect(r.stdout.toString().replace(/\r/g, ''), r.stderr).toBe('a\nb\n');
    expect(r.code).toBe(5);
  });

  it('piped input then EOF: the input reaches the PTY and the output comes back', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['read x; echo got=$x; sleep 0.3; echo done'], { tty: true, input: 'hello\n' });
    expect(r.stdout.toString().replace(/\r/g, ''), r.stderr).toMatch(/got=hello\ndone\n$/);
    expect(r.code).toBe(0);
  });
});
