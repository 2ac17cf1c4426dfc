/**
 * Issue #13 item 8: the FILE_OP audit of the container-sftp-server path matches replies to
 * requests by id. A crafted client stream (a harmless STAT and a REMOVE with the same id, in
 * one write) used to have the REMOVE audited with the STAT's "No such file" while the file was
 * removed. Now the reused id is a protocol error: the REMOVE never reaches the server, the
 * session ends, and SFTP_PROTOCOL_ERROR is audited.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PKT } from '../src/files/sftp/constants.ts';
import { PacketBuilder } from '../src/files/sftp/packet-writer.ts';
import { useBastion } from './helpers/bastion-suite.ts';
import { pollUntil } from './helpers/reap-matrix.ts';
import { ssh } from './helpers/ssh.ts';

const suite = useBastion();
const TARGET = 'alice+web-7d9f';

function packet(type: number, id: number, path: string): Buffer {
  return new PacketBuilder(type, id).string(path).done();
}

describe('sftp-server pass-through audit', () => {
  it('ends a session that reuses an outstanding request id, without passing the request on', async () => {
    const victim = `/tmp/victim-${randomBytes(4).toString('hex')}`;
    expect((await ssh(suite.pg, TARGET, [`touch ${victim}`])).code).toBe(0);
    // OpenSSH's ssh as the transport (`ssh -s … sftp`), the SFTP bytes crafted here.
    const init = Buffer.alloc(9);
    init.writeUInt32BE(5, 0); init[4] = PKT.INIT; init.writeUInt32BE(3, 5);
    const input = Buffer.concat([init, packet(PKT.STAT, 7, '/nonexistent-podgate'), packet(PKT.REMOVE, 7, victim)]);
    const r = await ssh(suite.pg, TARGET, ['sftp'], { input, extraArgs: ['-s'] });
    expect(r.code).toBe(255);
    // The server answered what came before the offending packet, and the client got it all
    // before the session ended: VERSION, then the STAT's STATUS. (EOF sent with the requests
    // made sftp-server exit without writing them, about one run in three.)
    expect(r.stdout[4]).toBe(PKT.VERSION);
    const next = 4 + r.stdout.readUInt32BE(0);
    expect([r.stdout[next + 4], r.stdout.readUInt32BE(next + 5)]).toEqual([PKT.STATUS, 7]);
    expect(r.stdout.length).toBe(next + 4 + r.stdout.readUInt32BE(next));
    expect(await pollUntil(async () => suite.pg.logs().some((l) => l['code'] === 'SFTP_PROTOCOL_ERROR'), 20_000)).toBe(true);
    const ev = suite.pg.logs().find((l) => l['code'] === 'SFTP_PROTOCOL_ERROR')!;
    expect(ev).toMatchObject({ reason: 'request id reused', requestId: 7 });
    // The REMOVE never ran, and no FILE_OP claims anything about the victim.
    expect((await ssh(suite.pg, TARGET, [`test -e ${victim} && echo still-there`])).stdout.toString()).toBe('still-there\n');
    expect(suite.pg.logs().filter((l) => l['code'] === 'FILE_OP' && l['path'] === victim)).toEqual([]);
  }, 120_000);
});
