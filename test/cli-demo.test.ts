/**
 * `podgate demo` as a newcomer runs it (`npm start`): it starts, prints an ssh line, and that
 * exact line, run by the real OpenSSH client with a command added, works. Keys are made once
 * and reused; --kubeconfig-out lets the real kubectl see the demo cluster; Ctrl-C exits 0.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/ssh.ts';

const BIN = new URL('../bin/podgate.js', import.meta.url).pathname;
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const cwd = mkdtempSync(join(tmpdir(), 'podgate-demo-'));
const running = new Set<ChildProcess>();

afterAll(() => {
  // The demo runs container processes as its children: end the whole process group.
  for (const child of running) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(cwd, { recursive: true, force: true });
});

interface Demo {
  child: ChildProcess;
  sshLine: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startDemo(env: NodeJS.ProcessEnv = process.env, dir = cwd): Promise<Demo> {
  const child = spawn(process.execPath, [BIN, 'demo', '--listen', '127.0.0.1:0', '--kubeconfig-out', 'kubeconfig.yaml'], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    running.delete(child);
  });
  const sshLine = await waitFor(
    () => {
      if (gone) throw new Error(`demo exited early; stdout: ${out}; stderr: ${err}`);
      const lines = out.split('\n');
      const at = lines.indexOf('Try:');
      return at >= 0 && lines[at + 1]?.trim().startsWith('ssh ') ? (lines[at + 1]).trim() : null;
    },
    'the demo to print its ssh line',
    120_000,
  );
  return { child, sshLine, output: () => out, exited };
}

function sh(command: string, dir = cwd): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

async function stop(demo: Demo): Promise<number | null> {
  demo.child.kill('SIGINT');
  return demo.exited;
}

describe('podgate demo', () => {
  let first: Demo;
  let hostKey = '';

  it('starts and prints the exact ssh line to try, which works as printed', async () => {
    first = await startDemo();
    expect(first.sshLine).toMatch(/^ssh -i \.podgate-demo\/demo_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=\/dev\/null -p \d+ demo\+[a-z0-9.-]+@127\.0\.0\.1$/);
    const pod = /demo\+([a-z0-9-]+)/.exec(first.sshLine)?.[1] as string;

    const ok = await sh(`${first.sshLine} true`);
    expect(ok.stderr).not.toContain('podgate:');
    expect(ok.code).toBe(0);
    const host = await sh(`${first.sshLine} hostname`);
    expect(host.code).toBe(0);
    expect(host.stdout.trim()).not.toBe('');
    const env = await sh(`${first.sshLine} 'echo "$HOSTNAME"; exit 3'`);
    expect(env.stdout).toBe(`${pod}\n`);
    expect(env.code).toBe(3);
  }, 180_000);

  it('keeps its keys private and writes a kubeconfig kubectl can use', async () => {
    for (const key of ['ssh_host_ed25519_key', 'demo_ed25519']) {
      expect(statSync(join(cwd, '.podgate-demo', key)).mode & 0o777).toBe(0o600);
    }
    hostKey = readFileSync(join(cwd, '.podgate-demo', 'ssh_host_ed25519_key'), 'utf8');
    const kubectl = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(KUBECTL, ['--kubeconfig', join(cwd, 'kubeconfig.yaml'), 'get', 'pods', '-A'], { timeout: 60_000 }, (error, stdout) => {
        resolve({ code: error ? -1 : 0, stdout });
      });
    });
    expect(kubectl.code).toBe(0);
    const pod = /demo\+([a-z0-9-]+)/.exec(first.sshLine)?.[1] as string;
    expect(kubectl.stdout).toMatch(new RegExp(`\\s${pod}\\s+1/1\\s+Running`));
  }, 60_000);

  it('every example it prints under "More:" works as printed', async () => {
    const lines = first.output().split('\n');
    const from = lines.indexOf('More:') + 1;
    const examples = lines.slice(from, lines.indexOf('', from)).map((l) => l.trim());
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) {
      if (example.startsWith('sftp ')) {
        const r = await sh(`echo pwd | ${example.replace(/^sftp /, 'sftp -b - ')}`);
        expect(r.stdout, example).toContain('Remote working directory: /');
        expect(r.code, example).toBe(0);
      } else {
        const r = await sh(example);
        expect(r.stderr, example).not.toContain('podgate:');
        expect(r.code, example).toBe(example.includes('exit 3') ? 3 : 0);
        expect(r.stdout.length, example).toBeGreaterThan(0);
      }
    }
  }, 180_000);

  it('stops on Ctrl-C with exit status 0, and reuses its keys on the next start', async () => {
    expect(await stop(first)).toBe(0);
    const second = await startDemo();
    try {
      expect(readFileSync(join(cwd, '.podgate-demo', 'ssh_host_ed25519_key'), 'utf8')).toBe(hostKey);
      const ok = await sh(`${second.sshLine} true`);
      expect(ok.code).toBe(0);
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 240_000);
});

describe('podgate demo on a machine without busybox-static (a developer laptop)', () => {
  it('runs the busybox pod on the host\'s own shell and tools', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podgate-demo-nobusybox-'));
    const missing = join(dir, 'no-busybox-here');
    const demo = await startDemo({ ...process.env, PODGATE_EMULATOR_BUSYBOX: missing }, dir);
    try {
      const toolbox = demo.sshLine.replace(/demo\+[a-z0-9.-]+@/, 'demo+toolbox.tools@');
      // The host's filesystem: Debian's own files and coreutils, not a busybox rootfs.
      const r = await sh(`${toolbox} 'cat /etc/debian_version >/dev/null && readlink -f "$(command -v ls)" && echo "$HOSTNAME"'`, dir);
      expect(r.stderr).not.toContain('podgate:');
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('busybox');
      expect(r.stdout.trim().split('\n')).toEqual(['/usr/bin/ls', 'toolbox']);
      expect(demo.output()).not.toContain('ENOENT');
    } finally {
      expect(await stop(demo)).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('podgate demo as a non-root user', () => {
  it('says in one line that it needs root, before starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podgate-demo-nonroot-'));
    try {
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'demo', '--listen', '127.0.0.1:0', '--dir', join(dir, 'state')], { cwd: '/', uid: 65534, gid: 65534, timeout: 60_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
        });
      });
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^podgate demo needs root: /)]);
      expect(r.code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
