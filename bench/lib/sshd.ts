/**
 * The OpenSSH reference: a throwaway `sshd -D -e -f CONFIG` on loopback with its own host key
 * and authorized_keys in a temp dir, running commands as the current user through /bin/sh.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sleep } from './proc.ts';

export interface Sshd {
  port: number;
  user: string;
  key: string;
  pid: number;
  /** True when ~/.bashrc was blanked for sshd's sessions (see startSshd). */
  blankBashrc: boolean;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'podgate-bench-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PermitRootLogin yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 2000:100:2000',
    'MaxSessions 100',
    'LogLevel ERROR',
    '',
  ].join('\n'));
  // sshd runs commands through the user's login shell, and bash sources ~/.bashrc when sshd
  // starts it: here that is pyenv init & co (~200 ms per session), which a pod's `sh -c` never
  // pays. As root, run sshd in its own mount namespace with ~/.bashrc bound to /dev/null.
  const bashrc = join(homedir(), '.bashrc');
  const blank = process.getuid?.() === 0 && existsSync(bashrc);
  const argv = blank
    ? ['unshare', '-m', '/bin/sh', '-c', `mount --make-rprivate / && mount --bind /dev/null ${bashrc} && exec /usr/sbin/sshd -D -e -f ${config}`]
    : ['/usr/sbin/sshd', '-D', '-e', '-f', config];
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.on('error', (e) => { err += String(e); });
  let exited = false;
  const gone = new Promise<void>((r) => child.once('close', () => { exited = true; r(); }));
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start: ${err}`);
    }
    await sleep(100);
  }
  return {
    port,
    user: userInfo().username,
    key: join(dir, 'client_key'),
    pid: child.pid!,
    blankBashrc: blank,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
