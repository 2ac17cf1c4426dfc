/**
 * The attacks of the `hostile` bench scenario (issue #13), each through Node's ssh2 client on
 * its own connection: SFTP handles with read-ahead, queued WRITEs, STAT floods with huge paths,
 * env floods and channel floods. Every attack swallows its own refusals: the point is what
 * podgate holds in memory meanwhile, not whether a request succeeds.
 */
import type { SFTPWrapper } from 'ssh2';
import { connectSsh2, openSftp, sftpOpen, type Ssh2Client } from '../../test/helpers/ssh2-client.ts';
import type { SshEndpoint } from '../../test/helpers/ssh.ts';

export interface AttackSizes {
  handles: number;
  writes: number;
  stats: number;
  statPathBytes: number;
  envs: number;
  envValueBytes: number;
  channels: number;
}

const quiet = (): void => undefined;

/** Opens `n` handles on /dev/zero and starts one READ on each (so each streams and reads ahead). */
async function handleAttack(sftp: SFTPWrapper, n: number): Promise<void> {
  const handles: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    try { handles.push(await sftpOpen(sftp, '/dev/zero')); } catch { break; }
  }
  for (const h of handles) sftp.read(h, Buffer.alloc(32768), 0, 32768, 0, quiet);
}

/** Queues `n` WRITEs of 255 KiB at once on one handle, without waiting for any answer. */
async function writeAttack(sftp: SFTPWrapper, n: number): Promise<void> {
  const h = await sftpOpen(sftp, '/dev/null', 'w').catch(() => null);
  if (h === null) return;
  const data = Buffer.alloc(255 * 1024, 7);
  for (let i = 0; i < n; i++) sftp.write(h, data, 0, data.length, i * data.length, quiet);
}

function statAttack(sftp: SFTPWrapper, n: number, pathBytes: number): void {
  const path = `/${'p'.repeat(pathBytes)}`;
  for (let i = 0; i < n; i++) sftp.stat(path, quiet);
}

function envAttack(client: Ssh2Client, n: number, valueBytes: number): void {
  const env: Record<string, string> = {};
  const v = 'e'.repeat(valueBytes);
  for (let i = 0; i < n; i++) env[`LC_H${i}`] = v;
  client.exec('sleep 20', { env }, (err, ch) => { if (!err) { ch.on('data', quiet); ch.stderr.on('data', quiet); ch.on('error', quiet); } });
}

function channelAttack(client: Ssh2Client, n: number): void {
  for (let i = 0; i < n; i++) {
    client.exec('sleep 20', (err, ch) => { if (!err) { ch.on('data', quiet); ch.stderr.on('data', quiet); ch.on('error', quiet); } });
  }
}

/** One hostile user: two connections (SFTP attacks; env and channel floods). */
export async function hostileSession(ep: SshEndpoint, sftpTarget: string, execTarget: string, s: AttackSizes): Promise<Ssh2Client[]> {
  const [a, b] = await Promise.all([connectSsh2(ep, sftpTarget), connectSsh2(ep, execTarget)]);
  const sftp = await openSftp(a);
  statAttack(sftp, s.stats, s.statPathBytes);
  await Promise.all([handleAttack(sftp, s.handles), writeAttack(sftp, s.writes)]);
  envAttack(b, s.envs, s.envValueBytes);
  channelAttack(b, s.channels);
  return [a, b];
}
