/**
 * What IDE remote terminals need, with the real OpenSSH client: VS Code Remote-SSH pipes its
 * install script into `ssh -T -D PORT host bash` (no PTY), the script starts a server on a port
 * inside the pod and prints it, and the IDE reaches it through the SOCKS forward (or `-L`).
 * Also: `ssh -T USER+TARGET bash < script` behaves like a real host, and direct-streamlocal
 * (`remoteServerListenOnSocket`) is refused cleanly.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runClient, ssh, sshArgs, waitFor } from './helpers/ssh.ts';
import { background, freePort, roundTrip, sshWithEnv, stopAllBackground, waitListening } from './forward-helpers.ts';
import { useBastion } from './helpers/bastion-suite.ts';

const bastion = useBastion();

afterAll(async () => {
  await stopAllBackground();
});

describe('ssh -T USER+TARGET bash < script', () => {
  it('runs the script without a PTY, ends at stdin EOF and returns its exit status', async () => {
    // `read` takes the line after its own from the same stdin, as bash does on a real host.
    const script = 'echo "on $HOSTNAME"\ntty || true\nread -r line; echo "read: $line"\nsecond line\nexit 4\necho never\n';
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['bash'], { input: script, extraArgs: ['-T'] });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout.toString()).toBe('on web-7d9f\nnot a tty\nread: second line\n');
    const eof = await ssh(bastion.pg, 'alice+web-7d9f', ['bash'], { input: 'echo last\n', extraArgs: ['-T'] });
    expect(eof.code, eof.stderr).toBe(0);
    expect(eof.stdout.toString()).toBe('last\n');
  }, 60_000);
});

describe('a VS Code-like flow', () => {
  it('script on stdin starts a server in the pod; the IDE reaches it through -D and -L', async () => {
    const socks = await freePort();
    const podPort = 20_000 + Math.floor(Math.random() * 20_000);
    const argv = sshArgs(bastion.pg, 'alice+web-7d9f', ['bash'], { extraArgs: ['-T', '-D', `127.0.0.1:${socks}`] });
    const child = spawn('/usr/bin/ssh', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
    child.stdin.on('error', () => undefined);
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    try {
      // Like the install script: set up, start the server in the background, report the port,
      // then keep reading commands from stdin (the connection stays up).
      child.stdin.write([
        'set -e',
        'dir=$(mktemp -d)',
        'echo "ide server in $HOSTNAME" > "$dir/index.html"',
        `busybox httpd -f -p 127.0.0.1:${podPort} -h "$dir" &`,
        `for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/${podPort}) 2>/dev/null && break; sleep 0.1; done`,
        `echo "listeningOn==${podPort}=="`,
        '',
      ].join('\n'));
      await waitFor(() => out.includes(`listeningOn==${podPort}==`), 'listeningOn', 30_000);
      await waitListening(socks);
      const viaSocks = await runClient('curl', ['-sS', '--max-time', '30', '--socks5-hostname', `127.0.0.1:${socks}`, `http://127.0.0.1:${podPort}/`]);
      expect(viaSocks.code, viaSocks.stderr).toBe(0);
      expect(viaSocks.stdout.toString()).toBe('ide server in web-7d9f\n');
      // A second connection with -L (JetBrains-style backend port), while the session lives.
      const lport = await freePort();
      background(bastion.pg, 'alice+web-7d9f', ['-L', `127.0.0.1:${lport}:localhost:${podPort}`]);
      await waitListening(lport);
      const viaL = await runClient('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${lport}/`]);
      expect(viaL.code, viaL.stderr).toBe(0);
      expect(viaL.stdout.toString()).toBe('ide server in web-7d9f\n');
      child.stdin.end('kill %1; rm -rf "$dir"; exit 0\n');
      expect(await exited, err).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('direct-streamlocal (remoteServerListenOnSocket) is refused, not hung', async () => {
    const lport = await freePort();
    const b = background(bastion.pg, 'alice+web-7d9f', ['-L', `127.0.0.1:${lport}:/run/user/vscode-server.sock`], { logLevel: 'INFO' });
    await waitListening(lport);
    const t0 = Date.now();
    const r = await roundTrip(lport, Buffer.from('x'), 1, 20_000);
    expect(r.closedByPeer).toBe(true);
    expect(r.received.length).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    // What the user sees at the default LogLevel.
    await waitFor(() => /open failed: administratively prohibited/.test(b.stderr()), 'the client\'s refusal message', 10_000);
  }, 60_000);
});

describe('agent and X11 forwarding are not served', () => {
  it('X11: the client says the request failed; agent: no socket in the session; the command runs', async () => {
    const cmd = ['echo "ran SSH_AUTH_SOCK=${SSH_AUTH_SOCK:-none} DISPLAY=${DISPLAY:-none}"'];
    const x11 = await sshWithEnv(bastion.pg, 'alice+web-7d9f', cmd, ['-X', '-o', 'XAuthLocation=/bin/true'], { DISPLAY: ':0' });
    expect(x11.code, x11.stderr).toBe(0);
    expect(x11.stderr).toMatch(/X11 forwarding request failed/);
    expect(x11.stdout).toBe('ran SSH_AUTH_SOCK=none DISPLAY=none\n');
    const agent = await sshWithEnv(bastion.pg, 'alice+web-7d9f', cmd, ['-A'], { SSH_AUTH_SOCK: '/nonexistent/agent.sock' });
    expect(agent.code, agent.stderr).toBe(0);
    expect(agent.stdout).toBe('ran SSH_AUTH_SOCK=none DISPLAY=none\n');
  }, 60_000);
});
