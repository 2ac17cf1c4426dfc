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

/** Starts `args` over ssh, kills the client once its session started, returns that session's end. */
async function killAfterStart(target: string, args: string[], command: string): Promise<{ end: Record<string, unknown>; execs: { time: string }[] }> {
  const { pg, emu } = suite;
  const startsBefore = pg.logs().filter((l) => l['code'] === 'SESSION_START').length;
  const since = Date.now();
  emu.fault({ latencyMs: LATENCY });
  const child = spawn('ssh', sshArgs(pg, target, args), { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    // The session has resolved its target and is now opening its exec.
    await waitFor(() => pg.logs().filter((l) => l['code'] === 'SESSION_START').length > startsBefore, 'SESSION_START', 60_000, 20);
    child.kill('SIGKILL');
    const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === command && Date.parse(String(l['time'])) >= since), 'SESSION_END', 60_000);
    const execs = (await emu.requests()).filter((r) => r.path.endsWith('/exec') && Date.parse(r.time) >= since && Date.parse(r.time) <= Date.parse(String(end['time'])));
    return { end, execs };
  } finally {
    emu.fault({ latencyMs: 0 });
    child.kill('SIGKILL');
  }
}

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

  it('an sftp subsystem gives its pending server probe up too', async () => {
    const { end, execs } = await killAfterStart('alice+web-7d9f', ['-s', 'sftp'], 'subsystem:sftp');
    expect(end['reason']).toBe('client-closed');
    for (const r of execs) expect(Date.parse(String(end['time'])) - Date.parse(r.time)).toBeLessThan(LATENCY);
  }, 120_000);
});
