/**
 * Issue #13 (logins timed out after the hostile-users bench): when an SFTP client leaves,
 * podgate must end the processes of its file streams BEFORE it drops their exec streams.
 * Dropped first, a stream's process runs on unheard while the runtime reads its output into
 * nothing (containerd's exec IO does, and so does the emulator): every `cat /dev/zero` then
 * spins at full speed until the kill exec arrives, and a few hundred of them starved the
 * emulator so far that the kill execs, and every fresh login's exec, timed out.
 *
 * Evidence here: each stream's `cat -- /dev/zero` is watched through /proc/PID/io (`rchar`,
 * bytes it read) from the moment the client disconnects until it is gone. Kept open and
 * paused, the stream's pipe is full and the process is blocked: it reads (almost) nothing
 * more before the kill. Dropped first, it read many MiB in the same window.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBastion } from './helpers/bastion-suite.ts';
import { pollUntil } from './helpers/reap-matrix.ts';
import { connectSsh2, execSsh2, openSftp, sftpOpen, sftpRead } from './helpers/ssh2-client.ts';

// One stream per handle here: the file-stream limit (limits.sftpMaxStreams) is raised above HANDLES.
const suite = useBastion({ limits: { sftpMaxStreams: 64 } });
const POD = { namespace: 'prod', pod: 'tiny', container: 'sh' };
const HANDLES = 12;
/**
 * Bytes a stream may still read after the disconnect: what fits between the process and
 * podgate's paused reader (pipe, the runtime's and the WebSocket's buffers, loopback socket
 * buffers; up to ~6 MiB seen on a loaded machine). A dropped stream drains on until its kill.
 */
const SLACK = 8 * 1024 * 1024;

async function zeroCats(): Promise<number[]> {
  const procs = await suite.emu.processes(POD.namespace, POD.pod, POD.container);
  return procs.filter((p) => /(^|\/)cat .*\/dev\/zero$/.test(p.args)).map((p) => p.pid);
}

/** Bytes `pid` has read so far, or null once it is gone. */
function rchar(pid: number): number | null {
  try {
    const m = /^rchar:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

describe('SFTP streams are ended before they are dropped', () => {
  it(`${HANDLES} /dev/zero readers read nothing more after the client left, and logins keep working`, async () => {
    expect(await zeroCats()).toEqual([]);
    const client = await connectSsh2(suite.pg, 'alice+tiny.prod');
    const sftp = await openSftp(client);
    const handles: Buffer[] = [];
    for (let i = 0; i < HANDLES; i++) handles.push(await sftpOpen(sftp, '/dev/zero'));
    await Promise.all(handles.map((h) => sftpRead(sftp, h, 0, 1024)));
    const pids = await zeroCats();
    expect(pids).toHaveLength(HANDLES);
    // Let every stream fill its read-ahead and the path behind it (pipe, socket buffers) and
    // block: no cat reads anything for 1.5 s (a loaded machine can stall the runtime for less).
    let last = pids.map((p) => rchar(p));
    for (let still = 0, tries = 0; still < 15 && tries < 300; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = pids.map((p) => rchar(p));
      still = now.every((v, i) => v === last[i]) ? still + 1 : 0;
      last = now;
    }
    const start = new Map(pids.map((p) => [p, rchar(p) ?? 0]));
    const most = new Map(start);
    const watch = setInterval(() => {
      for (const p of pids) {
        const v = rchar(p);
        if (v !== null) most.set(p, Math.max(most.get(p)!, v));
      }
    }, 5);
    client.end();
    const gone = await pollUntil(async () => (await zeroCats()).length === 0, 30_000);
    clearInterval(watch);
    expect(gone).toBe(true);
    const readAfter = pids.map((p) => most.get(p)! - start.get(p)!);
    expect({ overSlack: readAfter.filter((n) => n > SLACK) }).toEqual({ overSlack: [] });
    // A fresh login and exec right after is served at once.
    const c = await connectSsh2(suite.pg, 'alice+web-7d9f');
    const r = await execSsh2(c, 'echo hi');
    c.end();
    expect(r.stdout).toBe('hi\n');
  }, 120_000);
});
