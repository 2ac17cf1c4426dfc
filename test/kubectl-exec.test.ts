/**
 * Real kubectl (1.30+ speaks WebSocket v5 by default) against the full emulator: exec negotiated
 * over v5.channel.k8s.io (no SPDY fallback), stdin EOF, exit codes, Kubernetes' messages, an
 * interactive TTY driven in tmux (arithmetic, window resize), and the leftover bash after
 * `kill -9` of kubectl, which is the bug podgate exists to fix.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { until } from './helpers/runtime-harness.ts';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const hasKubectl = existsSync(KUBECTL);
if (!hasKubectl) console.log(`kubectl-exec: ${KUBECTL} not found, suite skipped`);

let emu: Emulator;
let dir: string;
let kubeconfig: string;
const tmuxSocket = `podgate-kx-${process.pid}`;

beforeAll(async () => {
  if (!hasKubectl) return;
  dir = mkdtempSync(join(tmpdir(), 'kubectl-exec-'));
  kubeconfig = join(dir, 'kubeconfig');
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  emu.writeKubeconfig(kubeconfig, { token: 'admin-token' });
}, 120_000);

afterAll(async () => {
  spawnSync('tmux', ['-L', tmuxSocket, 'kill-server']);
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', tmuxSocket, ...args], { encoding: 'utf8' });
const pane = (name: string): string => tmux('capture-pane', '-p', '-t', name).stdout;

describe.skipIf(!hasKubectl)('kubectl exec against the emulator', () => {
  it('runs `exec POD -- echo hi` over v5.channel.k8s.io without falling back to SPDY', async () => {
    const r = await kubectl(['exec', 'web-7d9f', '--', 'echo', 'hi']);
    expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
    const execs = (await emu.requests()).filter((e) => e.path === '/api/v1/namespaces/default/pods/web-7d9f/exec');
    expect(execs.length).toBe(1);
    expect(execs[0]).toMatchObject({ method: 'GET', status: 101, protocol: 'v5.channel.k8s.io' });
  });

  it('ends `echo abc | kubectl exec -i POD -- cat` by itself (stdin CLOSE)', async () => {
    const r = await kubectl(['exec', '-i', 'web-7d9f', '--', 'cat'], 'abc\n');
    expect(r).toMatchObject({ code: 0, stdout: 'abc\n' });
  });

  it('exits 3 for `sh -c "exit 3"`', async () => {
    const r = await kubectl(['exec', 'web-7d9f', '--', 'sh', '-c', 'exit 3']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('command terminated with exit code 3');
  });

  it('prints Kubernetes\' messages for a missing container and a missing program', async () => {
    const missing = await kubectl(['exec', 'web-7d9f', '-c', 'missing', '--', 'echo']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (BadRequest): container missing is not valid for pod web-7d9f');
    const nosuch = await kubectl(['exec', 'web-7d9f', '--', 'nosuch']);
    expect(nosuch.code).toBe(1);
    expect(nosuch.stderr).toContain('exec: "nosuch": executable file not found in $PATH: unknown');
  });

  it('drives `exec -it POD -- sh` in tmux: arithmetic, then a window resize reaches stty', async () => {
    tmux('new-session', '-d', '-s', 'sh', '-x', '100', '-y', '30', `exec ${KUBECTL} --kubeconfig ${kubeconfig} exec -it -n prod dash-1 -- sh`);
    await until(() => pane('sh').includes('#'), 30_000, 'a prompt');
    tmux('send-keys', '-t', 'sh', 'echo result=$((6*7))', 'Enter');
    await until(() => pane('sh').includes('result=42'), 20_000, 'result=42');
    tmux('send-keys', '-t', 'sh', 'stty size', 'Enter');
    await until(() => /^30 100\s*$/m.test(pane('sh')), 20_000, 'stty 30 100');
    tmux('resize-window', '-t', 'sh', '-x', '120', '-y', '40');
    await until(() => {
      tmux('send-keys', '-t', 'sh', 'clear; stty size', 'Enter');
      return /^40 120\s*$/m.test(pane('sh'));
    }, 20_000, 'stty 40 120 after resize');
    tmux('send-keys', '-t', 'sh', 'exit', 'Enter');
    await until(() => tmux('has-session', '-t', 'sh').status !== 0, 20_000, 'kubectl to exit');
  });

  it('leaves the bash running in the container after kill -9 of `kubectl exec -it POD -- bash`', async () => {
    tmux('new-session', '-d', '-s', 'bash', '-x', '100', '-y', '30', `exec ${KUBECTL} --kubeconfig ${kubeconfig} exec -it web-7d9f -- bash`);
    await until(() => pane('bash').includes('#'), 30_000, 'a bash prompt');
    tmux('send-keys', '-t', 'bash', 'echo bashpid=$$', 'Enter');
    const m = await until(() => /bashpid=(\d+)/.exec(pane('bash')), 20_000, 'bash pid');
    const bashPid = Number(m[1]);
    const kubectlPid = Number(tmux('list-panes', '-t', 'bash', '-F', '#{pane_pid}').stdout.trim());
    expect(spawnSync('cat', [`/proc/${kubectlPid}/cmdline`], { encoding: 'utf8' }).stdout).toContain('kubectl');
    process.kill(kubectlPid, 'SIGKILL');
    await until(() => tmux('has-session', '-t', 'bash').status !== 0, 20_000, 'the tmux pane to die');
    // The emulator saw the stream end; the shell is still there, as on a containerd node.
    await until(async () => (await emu.requests()).some((e) => e.path.endsWith('/web-7d9f/exec') && e.closedAt && e.query.includes('bash')), 20_000, 'the exec to be closed');
    await new Promise((r) => setTimeout(r, 1000));
    const procs = await emu.processes('default', 'web-7d9f', 'app');
    expect(procs).toEqual(expect.arrayContaining([expect.objectContaining({ pid: bashPid, args: 'bash' })]));
  });
});
