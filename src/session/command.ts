/**
 * The argv a session runs in the container, as sshd would: `/bin/sh -c COMMAND` for exec
 * requests, a login shell (bash if present, else sh) for shell requests. With a reaper the
 * reaper builds it (so all processes can be found and ended later).
 */
import type { SessionReaper } from './reaper-types.ts';

const LOGIN_SHELL = 'if command -v bash >/dev/null 2>&1; then exec bash -l; fi; exec sh -l';

export function sessionArgv(command: string | null, tty: boolean, reaper: SessionReaper | undefined, sessionId: string): string[] {
  if (reaper) return reaper.wrap(sessionId, command, tty);
  return ['/bin/sh', '-c', command ?? LOGIN_SHELL];
}
