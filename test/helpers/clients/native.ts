/**
 * Drivers for the command-line clients: PuTTY's plink/pscp/psftp, Dropbear's dbclient, curl
 * (sftp:// and scp:// through libssh2) and rclone's sftp backend. Each pins podgate's host key
 * the client's own way (PuTTY -hostkey, curl --hostpubsha256, rclone known_hosts_file);
 * dbclient has no pinning option, so it runs with -y -y (accept the key unseen).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runClient, type SshResult } from '../ssh.ts';
import { ED25519_PUB, RSA_PUB, type ClientContext, type ClientDriver } from './driver.ts';

const run = promisify(execFile);
const TIMEOUT = 60_000;

/** SHA256 fingerprint of a public key line, base64 without padding (as ssh-keygen -l prints). */
async function fingerprint(pubPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-f', pubPath]);
  return stdout.split(' ')[1].replace(/^SHA256:/, '');
}

export async function puttyDrivers(c: ClientContext): Promise<ClientDriver[]> {
  const ppk = join(c.work, 'user.ppk');
  await run('puttygen', [c.key, '-O', 'private', '-o', ppk]);
  const common = ['-batch', '-hostkey', `SHA256:${await fingerprint(join(c.hostKeyDir, ED25519_PUB))}`, '-i', ppk, '-P', String(c.port)];
  const host = `${c.sshUser}@127.0.0.1`;
  let scripts = 0;
  const psftp = (script: string): Promise<SshResult> => {
    const file = join(c.work, `psftp-${++scripts}.txt`);
    writeFileSync(file, script);
    return runClient('psftp', [...common, '-b', file, host], { timeoutMs: TIMEOUT });
  };
  return [
    {
      name: 'plink',
      exec: (cmd) => runClient('plink', [...common, '-T', host, cmd], { timeoutMs: TIMEOUT }),
      // A here-doc's worth of input, then EOF (issue: plink -t with a here-doc lost the output).
      pty: (cmd) => runClient('plink', [...common, '-t', host, cmd], { input: '', timeoutMs: TIMEOUT }),
    },
    {
      name: 'pscp',
      put: (local, remote) => runClient('pscp', [...common, local, `${host}:${remote}`], { timeoutMs: TIMEOUT }),
      get: (remote, local) => runClient('pscp', [...common, '-scp', `${host}:${remote}`, local], { timeoutMs: TIMEOUT }),
    },
    {
      name: 'psftp',
      put: (local, remote) => psftp(`put ${local} ${remote}\nquit\n`),
      get: (remote, local) => psftp(`get ${remote} ${local}\nquit\n`),
    },
  ];
}

export async function dropbearDriver(c: ClientContext): Promise<ClientDriver> {
  const key = join(c.work, 'user.dropbear');
  await run('dropbearconvert', ['openssh', 'dropbear', c.key, key]);
  const argv = (extra: string[], cmd: string): string[] => ['-y', '-y', ...extra, '-i', key, '-p', String(c.port), `${c.sshUser}@127.0.0.1`, cmd];
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  return {
    name: 'dbclient',
    exec: (cmd) => runClient('dbclient', argv(['-T'], cmd), { timeoutMs: TIMEOUT }),
    // dbclient puts its own terminal in raw mode, so it needs one: util-linux script gives it.
    pty: (cmd) => runClient('script', ['-qec', ['dbclient', ...argv(['-t'], cmd)].map(quote).join(' '), '/dev/null'], { timeoutMs: TIMEOUT }),
    put: (local, remote) => runClient('dbclient', argv(['-T'], `cat > ${quote(remote)}`), { input: readFileSync(local), timeoutMs: TIMEOUT }),
    get: async (remote, local) => {
      const r = await runClient('dbclient', argv(['-T'], `cat ${quote(remote)}`), { timeoutMs: TIMEOUT });
      writeFileSync(local, r.stdout);
      return r;
    },
  };
}

export async function curlDrivers(c: ClientContext): Promise<ClientDriver[]> {
  const common = ['-sS', '--hostpubsha256', await fingerprint(join(c.hostKeyDir, ED25519_PUB)), '--key', c.key, '--pubkey', `${c.key}.pub`];
  const url = (scheme: string, path: string): string => `${scheme}://${c.sshUser}@127.0.0.1:${c.port}${path}`;
  return ['sftp', 'scp'].map((scheme) => ({
    name: `curl ${scheme}://`,
    put: (local, remote) => runClient('curl', [...common, '-T', local, url(scheme, remote)], { timeoutMs: TIMEOUT }),
    get: (remote, local) => runClient('curl', [...common, '-o', local, url(scheme, remote)], { timeoutMs: TIMEOUT }),
  }));
}

export interface RcloneDriver extends ClientDriver {
  /** `rclone md5sum`: rclone runs `md5sum PATH` over an exec channel. */
  md5sum(path: string): Promise<SshResult>;
}

export function rcloneDriver(c: ClientContext): RcloneDriver {
  // Both host keys: Go's knownhosts does not narrow the host-key algorithms to the known ones.
  const knownHosts = join(c.work, 'rclone_known_hosts');
  writeFileSync(knownHosts, [ED25519_PUB, RSA_PUB].map((f) => {
    const [type, blob] = readFileSync(join(c.hostKeyDir, f), 'utf8').split(' ');
    return `[127.0.0.1]:${c.port} ${type} ${blob}\n`;
  }).join(''));
  const remote = (path: string): string =>
    `:sftp,host=127.0.0.1,port=${c.port},user=${c.sshUser},key_file=${c.key},known_hosts_file=${knownHosts}:${path}`;
  const env = ['--config', '/dev/null', '--low-level-retries', '1', '--retries', '1'];
  return {
    name: 'rclone sftp',
    md5sum: (path) => runClient('rclone', [...env, 'md5sum', remote(path)], { timeoutMs: TIMEOUT }),
    put: (local, path) => runClient('rclone', [...env, 'copyto', local, remote(path)], { timeoutMs: TIMEOUT }),
    get: (path, local) => runClient('rclone', [...env, 'copyto', remote(path), local], { timeoutMs: TIMEOUT }),
  };
}
