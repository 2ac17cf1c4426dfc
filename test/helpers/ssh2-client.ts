/**
 * Node's ssh2 client against a podgate under test, for attacks OpenSSH's clients cannot make
 * (a thousand SFTP handles, floods of env requests or channels).
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { ClientChannel, OpenMode, SFTPWrapper } from 'ssh2';
import type { SshEndpoint } from './ssh.ts';

export type Ssh2Client = InstanceType<typeof ssh2.Client>;

/** Connects as `sshUser` (USER+TARGET) with the user's key; resolves once authenticated. */
export function connectSsh2(ep: SshEndpoint, sshUser: string): Promise<Ssh2Client> {
  const user = sshUser.split('+')[0];
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => { client.off('error', reject); client.on('error', () => undefined); resolve(client); });
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port: ep.port, username: sshUser, privateKey: readFileSync(ep.keyFor(user)), readyTimeout: 60_000 });
  });
}

export function openSftp(client: Ssh2Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

export function sftpOpen(sftp: SFTPWrapper, path: string, flags: OpenMode = 'r'): Promise<Buffer> {
  return new Promise((resolve, reject) => sftp.open(path, flags, (err, h) => (err ? reject(err) : resolve(h))));
}

/** One READ; resolves with the bytes (empty at EOF) or rejects with the SFTP status error. */
export function sftpRead(sftp: SFTPWrapper, handle: Buffer, offset: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  return new Promise((resolve, reject) => sftp.read(handle, buf, 0, len, offset, (err, n) => (err ? reject(err) : resolve(buf.subarray(0, n)))));
}

/** Runs `command` on a new session channel; resolves with its output and exit code. */
export function execSsh2(client: Ssh2Client, command: string, env?: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, env ? { env } : {}, (err: Error | undefined, ch: ClientChannel) => {
      if (err) { reject(err); return; }
      let out = '';
      let code: number | null = null;
      ch.on('data', (c: Buffer) => { out += c.toString(); });
      ch.stderr.on('data', () => undefined);
      ch.on('exit', (c: number | null) => { code = c; });
      ch.on('close', () => resolve({ code, stdout: out }));
    });
  });
}
