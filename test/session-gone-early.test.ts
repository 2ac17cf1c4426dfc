/**
 * Issue #13 (hostile-users bench): sessions whose SSH connection had already closed still
 * opened their exec and held it (and a socket to the API server) until the API server answered
 * or `requestTimeoutMs` passed; 133 flood sessions were still open a minute after the attack.
 * A session must not start, or keep waiting for, an exec once its channel is gone: the
 * pending upgrade is given up at once.
 *
 * Evidence: the API server (the emulator) delays every request by LATENCY. The client is killed
 * once its session has started opening its exec; the session must end before the API server
 * could have answered that exec (waiting for the answer, it cannot), and without an error.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useBastion } from './helpers/bastion-suite.ts';
import { sshArgs, waitFor } from './helpers/ssh.ts';

const suite = useBastion();
const LATENCY = 4000;

describe('a session whose connection closed before its exec opened', () => {
  it('gives the pending exec up at once and ends cleanly', async () => {
    const { pg, emu } = suite;
    const marker = `gone-${process.pid}-${Date.now()}`;
    const startsBefore = pg.logs().filter((l) => l['code'] === 'SESSION_START').length;
    emu.fault({ latencyMs: LATENCY });
    const child = spawn('ssh', sshArgs(pg, 'alice+tiny.prod', [`echo ${marker}`]), { stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      // The session has resolved its target and is now opening its exec.
      await waitFor(() => pg.logs().filter((l) => l['code'] === 'SESSION_START').length > startsBefore, 'SESSION_START', 60_000, 20);
      child.kill('SIGKILL');
      const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === `echo ${marker}`), 'SESSION_END', 60_000);
      expect(end['reason']).toBe('client-closed');
      expect(pg.logs().filter((l) => l['code'] === 'SESSION_ERROR')).toEqual([]);
      const execs = (await emu.requests()).filter((r) => r.path.endsWith('/pods/tiny/exec') && decodeURIComponent(r.query).includes(marker));
      // None at all when the check before the open caught it; else given up before the API
      // server could answer it (the emulator's socket sees the close only when it writes, so
      // the session's end is the evidence: it cannot come before an answer it waits for).
      for (const r of execs) expect(Date.parse(String(end['time'])) - Date.parse(r.time)).toBeLessThan(LATENCY);
    } finally {
      emu.fault({ latencyMs: 0 });
      child.kill('SIGKILL');
    }
  }, 120_000);
});
