/**
 * A client the way VS Code Remote-SSH connects: `ssh -T -D SOCKS USER+POD bash` with an install
 * script on stdin that starts a server in the pod in the background (busybox httpd serving
 * /etc: it writes nothing, the debian pods share the host's filesystem), then the server reached
 * through the SOCKS forward. For the tests of lingering processes (docs/sessions.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Emulator } from '../../src/emulator/types.ts';
import { freePort } from '../forward-helpers.ts';
import { runClient, sshArgs, type SshEndpoint, type SshResult } from './ssh.ts';

export interface Ide {
  child: ChildProcess;
  socks: number;
  out: () => string;
}

/** `ssh -T -D SOCKS alice+web-7d9f bash` with `script` on stdin; stdin stays open, like VS Code's. `clients` collects it for cleanup. */
export async function ideConnect(ep: SshEndpoint, script: string[], clients: ChildProcess[]): Promise<Ide> {
  const socks = await freePort();
  const child = spawn('/usr/bin/ssh', sshArgs(ep, 'alice+web-7d9f', ['bash'], { extraArgs: ['-T', '-D', `127.0.0.1:${socks}`] }), { stdio: ['pipe', 'pipe', 'pipe'] });
  clients.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.on('data', () => undefined);
  child.stdin.on('error', () => undefined);
  child.stdin.write([...script, ''].join('\n'));
  return { child, socks, out: () => out };
}

/** The install script: start the server unless it already answers, then report its port. */
export function installScript(podPort: number): string[] {
  return [
    `if ! (echo > /dev/tcp/127.0.0.1/${podPort}) 2>/dev/null; then`,
    `  busybox httpd -f -p 127.0.0.1:${podPort} -h /etc &`,
    `  for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/${podPort}) 2>/dev/null && break; sleep 0.1; done`,
    '  echo "started=yes"',
    'fi',
    `echo "listeningOn==${podPort}=="`,
  ];
}

/** /etc/os-release through the SOCKS forward (the same file as the test host's: ANSWER). */
export const fetchVia = (socks: number, podPort: number): Promise<SshResult> =>
  runClient('curl', ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${socks}`, `http://127.0.0.1:${podPort}/os-release`]);
export const ANSWER = readFileSync('/etc/os-release', 'utf8');

export const serverRunning = (emu: Emulator, podPort: number): Promise<boolean> =>
  emu.processes('default', 'web-7d9f', 'app').then((ps) => ps.some((p) => p.args.includes(`httpd -f -p 127.0.0.1:${podPort}`)));
