/**
 * Issue #13 item 2: every exec podgate's own SFTP server makes (the helper shell and one data
 * stream per open file) ends with the session. A client opens many handles on /dev/zero in the
 * busybox pod `tiny` (no sftp-server: podgate's SFTP over exec), starts a READ on each, and
 * disconnects; the container must be back to the processes it had before.
 */
import { describe, expect, it } from 'vitest';
import { useBastion } from './helpers/bastion-suite.ts';
import { pollUntil } from './helpers/reap-matrix.ts';
import { ssh } from './helpers/ssh.ts';
import { connectSsh2, openSftp, sftpOpen, sftpRead } from './helpers/ssh2-client.ts';

// One stream per handle here: the file-stream limit (limits.sftpMaxStreams) is raised above HANDLES.
const suite = useBastion({ limits: { sftpMaxStreams: 64 } });
const POD = { namespace: 'prod', pod: 'tiny', container: 'sh' };
const HANDLES = 40;

async function zeroCats(): Promise<number> {
  const procs = await suite.emu.processes(POD.namespace, POD.pod, POD.container);
  return procs.filter((p) => /(^|\/)(cat|tail) .*\/dev\/zero$/.test(p.args)).length;
}

describe('podgate SFTP over exec leaves no process behind', () => {
  it(`reaps ${HANDLES} /dev/zero readers after the client disconnects`, async () => {
    expect(await zeroCats()).toBe(0);
    const client = await connectSsh2(suite.pg, 'alice+tiny.prod');
    const sftp = await openSftp(client);
    const handles: Buffer[] = [];
    for (let i = 0; i < HANDLES; i++) handles.push(await sftpOpen(sftp, '/dev/zero'));
    // One regular file read to its end: its stream exits by itself, only its marker is left.
    const bin = await sftpOpen(sftp, '/bin/busybox');
    let off = 0;
    for (let b = await sftpRead(sftp, bin, 0, 32768); b.length > 0; b = await sftpRead(sftp, bin, off, 32768)) off += b.length;
    expect(off).toBeGreaterThan(64 * 1024);
    const first = await Promise.all(handles.map((h) => sftpRead(sftp, h, 0, 1024)));
    expect(first.every((b) => b.length === 1024 && b.every((x) => x === 0))).toBe(true);
    expect(await zeroCats()).toBe(HANDLES);
    client.end();
    // The session's end reaps every stream (TERM, KILL after reapGraceSeconds = 2).
    const gone = await pollUntil(async () => (await zeroCats()) === 0, 30_000);
    expect({ left: await zeroCats() }).toEqual({ left: 0 });
    expect(gone).toBe(true);
    // The session ends (SESSION_END) once every stream is reaped and the markers are gone.
    expect(await pollUntil(async () => suite.pg.logs().some((l) => l['code'] === 'SESSION_END' && l['command'] === 'subsystem:sftp'), 30_000)).toBe(true);
    // No marker file of a data stream is left in the container.
    const ls = await ssh(suite.pg, 'alice+tiny.prod', ['ls -a /tmp /dev/shm /var/tmp 2>/dev/null']);
    expect(ls.stdout.toString().split('\n').filter((l) => /^\.podgate-.*\.f\d+$/.test(l))).toEqual([]);
    // The session itself was reaped as usual.
    const reaps = suite.pg.logs().filter((l) => l['code'] === 'REAP');
    expect(reaps.length).toBeGreaterThan(0);
  }, 120_000);
});
