import { describe, expect, it } from 'vitest';
import { PodgateError } from '../errors/index.ts';
import { noShellError } from './reap-no-shell.ts';

const ref = { namespace: 'prod', pod: 'distroless-1', container: 'app' };

describe('noShellError', () => {
  it('turns the runtime message for a missing /bin/sh into NO_SHELL', () => {
    const operatorMessage = 'exec status: InternalError: Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown';
    const err = noShellError({ error: new PodgateError('API_ERROR', undefined, { operatorMessage }) }, ref);
    expect(err?.code).toBe('NO_SHELL');
    expect(err?.userMessage).toBe('container app of pod prod/distroless-1 has no POSIX shell (/bin/sh)');
    expect(err?.operatorMessage).toContain('OCI runtime exec failed');
  });

  it('recognises an exit 126 whose output says /bin/sh was not found', () => {
    const out = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": executable file not found in $PATH: unknown\n';
    expect(noShellError({ exitCode: 126 }, ref, out)?.code).toBe('NO_SHELL');
  });

  it('leaves ordinary failures and a user command that is not found alone', () => {
    expect(noShellError({ error: new PodgateError('POD_NOT_RUNNING') }, ref)).toBeNull();
    expect(noShellError({ exitCode: 127 }, ref, 'sh: 1: nosuchcmd: not found\n')).toBeNull();
    expect(noShellError({ exitCode: 0 }, ref, 'executable file not found /bin/sh')).toBeNull();
  });
});
