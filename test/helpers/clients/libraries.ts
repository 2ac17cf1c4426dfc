/**
 * Drivers for the SSH libraries: paramiko and asyncssh (Debian's modules, so /usr/bin/python3)
 * and Go's golang.org/x/crypto/ssh with github.com/pkg/sftp (Debian's source packages, built
 * here in GOPATH mode: no module download, no network). Scripts in test/fixtures/clients/.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync } from 'node:fs';
import { runClient } from '../ssh.ts';
import { ED25519_PUB, RSA_PUB, type ClientContext, type ClientDriver } from './driver.ts';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/clients');
const PYTHON = '/usr/bin/python3';
const TIMEOUT = 60_000;

function argvDriver(name: string, program: string, prefix: string[]): ClientDriver {
  const go = (mode: string, ...args: string[]) => runClient(program, [...prefix, mode, ...args], { timeoutMs: TIMEOUT });
  return {
    name,
    exec: (cmd) => go('exec', cmd),
    pty: (cmd) => go('pty', cmd),
    put: (local, remote) => go('put', local, remote),
    get: (remote, local) => go('get', remote, local),
  };
}

export function pythonDrivers(c: ClientContext): ClientDriver[] {
  const hostPub = join(c.hostKeyDir, ED25519_PUB);
  return ['paramiko', 'asyncssh'].map((lib) =>
    argvDriver(lib, PYTHON, [join(FIXTURES, `${lib}-client.py`), String(c.port), c.sshUser, c.key, hostPub]));
}

/** GOPATH, GO111MODULE=off: the imports resolve in Debian's /usr/share/gocode, nothing is fetched. */
const GO_ENV = { GOPATH: '/usr/share/gocode', GO111MODULE: 'off', GOFLAGS: '', GOPROXY: 'off' };

/** Builds the Go client; pins the RSA host key so the RSA SHA-2 signature path is exercised too. */
export async function goDriver(c: ClientContext): Promise<ClientDriver> {
  const src = join(c.work, 'go-ssh-client');
  mkdirSync(src, { recursive: true });
  copyFileSync(join(FIXTURES, 'go-ssh-client.go'), join(src, 'main.go'));
  const bin = join(src, 'go-ssh-client');
  await promisify(execFile)('go', ['build', '-o', bin, '.'], {
    cwd: src,
    // Go's own build cache (~/.cache/go-build) keeps later runs fast; without a HOME, a private one.
    env: { ...process.env, ...GO_ENV, ...(process.env['HOME'] || process.env['GOCACHE'] ? {} : { GOCACHE: join(c.work, 'go-cache') }) },
    timeout: 180_000,
  });
  return argvDriver('go x/crypto/ssh', bin, [`127.0.0.1:${c.port}`, c.sshUser, c.key, join(c.hostKeyDir, RSA_PUB)]);
}
