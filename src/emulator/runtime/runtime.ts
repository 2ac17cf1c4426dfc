/**
 * The emulator's kubelet + containerd: pods are sets of real local processes (see README.md).
 */
import { chmod, chown, mkdir, readFile, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { BUSYBOX_PASSWD, buildBusyboxRootfs, busyboxAvailable, busyboxBinary } from './busybox-rootfs.ts';
import { ContainerLogBuffer } from './container-log.ts';
import type { ContainerContext } from './container-context.ts';
import { Container } from './container.ts';
import { handleExecUpgrade } from './exec-session.ts';
import { handleSpdyExecUpgrade } from './spdy-exec.ts';
import { startPodNetns, type PodNetns } from './pod-netns.ts';
import { handlePortForwardUpgrade } from './port-forward.ts';
import { readProcessInfos } from './proc-info.ts';
import { ProcessTracker } from './process-tracker.ts';
import { nowNanos, rfc3339NanoNow } from './rfc3339nano.ts';
import { chosenProtocol } from './upgrade.ts';
import type {
  ContainerLog,
  ContainerRuntime,
  ContainerState,
  ExecStreamOptions,
  ProcessInfo,
  RuntimeContainerSpec,
  RuntimePodSpec,
  StreamPath,
} from './types.ts';

const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Pod {
  spec: RuntimePodSpec;
  dir: string;
  netns: PodNetns | null;
  containers: Map<string, Container>;
}

export class ProcessRuntime implements ContainerRuntime {
  private readonly pods = new Map<string, Pod>();
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: chosenProtocol, perMessageDeflate: false });
  private dropAfterMs = 0;
  private netnsUsable = true;
  private readonly onExit = (): void => this.tracker.killAllSync(this.allGroupIds());

  private constructor(
    private readonly stateDir: string,
    private readonly tracker: ProcessTracker,
  ) {
    process.once('exit', this.onExit);
  }

  static async create(stateDir: string): Promise<ProcessRuntime> {
    await mkdir(join(stateDir, 'pods'), { recursive: true, mode: 0o755 });
    await allowTraversal(stateDir);
    return new ProcessRuntime(stateDir, await ProcessTracker.create());
  }

  get trackingMode(): 'cgroup' | 'environ' {
    return this.tracker.mode;
  }

  async startPod(spec: RuntimePodSpec, states: Record<string, ContainerState> = {}): Promise<void> {
    if (this.pods.has(spec.uid)) await this.stopPod(spec.uid);
    const dir = join(this.stateDir, 'pods', spec.uid);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const toRun = spec.containers.filter((c) => (states[c.name]?.state ?? 'running') === 'running');
    let netns: PodNetns | null = null;
    if (toRun.length > 0 && this.netnsUsable) {
      netns = await startPodNetns(spec.name);
      if (!netns) this.netnsUsable = false;
    }
    const pod: Pod = { spec, dir, netns, containers: new Map() };
    this.pods.set(spec.uid, pod);
    for (const c of spec.containers) {
      const ctx = await this.prepare(pod, c);
      const prev = spec.previousLogs?.[c.name];
      const previous = prev === undefined ? null : ContainerLogBuffer.fromText(prev, nowNanos() - 60_000_000_000n);
      const initial = states[c.name] ?? { state: 'running', startedAt: rfc3339NanoNow() };
      const container = new Container(ctx, c.command, previous, initial);
      pod.containers.set(c.name, container);
      if (initial.state === 'running') {
        container.onTerminated = () => void this.tracker.killAll(ctx.id);
        await container.start();
      } else container.log.end();
    }
  }

  private async prepare(pod: Pod, c: RuntimeContainerSpec): Promise<ContainerContext> {
    const id = `${pod.spec.uid}_${c.name}`;
    const group = await this.tracker.group(id);
    const busybox = c.image === 'busybox' && this.busyboxImage();
    const cdir = join(pod.dir, c.name);
    await mkdir(cdir, { recursive: true, mode: 0o755 });
    let root: string | null = null;
    if (busybox) {
      root = join(cdir, 'rootfs');
      await buildBusyboxRootfs(root, pod.netns?.mountPath ?? null);
    }
    const passwd = busybox ? BUSYBOX_PASSWD : await readFile('/etc/passwd', 'utf8').catch(() => '');
    const uid = c.runAsUser ?? 0;
    const entry = passwd.split('\n').map((l) => l.split(':')).find((f) => f[2] === String(uid));
    const gid = c.runAsGroup ?? (entry ? Number(entry[3]) : 0);
    let workingDir: string;
    let home: string;
    if (busybox) {
      workingDir = c.workingDir ?? '/';
      home = entry?.[5] ?? '/';
      await mkdir(join(root ?? '', workingDir), { recursive: true });
    } else {
      home = join(cdir, 'home');
      await mkdir(home, { recursive: true, mode: 0o755 });
      await chown(home, uid, gid);
      workingDir = c.workingDir ?? home;
      await mkdir(workingDir, { recursive: true });
    }
    const env: Record<string, string> = { PATH: busybox ? '/bin' : DEBIAN_PATH, HOSTNAME: pod.spec.name, HOME: home };
    for (const e of c.env ?? []) env[e.name] = e.value;
    Object.assign(env, group.markerEnv);
    return { id, podUid: pod.spec.uid, podName: pod.spec.name, name: c.name, root, workingDir, uid, gid, env, netnsPath: pod.netns?.path ?? null, utsNsPath: pod.netns?.utsPath ?? null, mountNsPath: pod.netns?.mountPath ?? null, procsFile: group.procsFile };
  }

  private busyboxWarned = false;

  /** Whether busybox containers get their own rootfs; if not, they use the host's (said once). */
  private busyboxImage(): boolean {
    if (busyboxAvailable()) return true;
    if (!this.busyboxWarned) {
      this.busyboxWarned = true;
      process.stderr.write(`emulator: no ${busyboxBinary()} (Debian: apt-get install busybox-static); busybox pods use this machine's own shell and tools\n`);
    }
    return false;
  }

  async stopPod(uid: string): Promise<void> {
    const pod = this.pods.get(uid);
    if (!pod) return;
    this.pods.delete(uid);
    for (const c of pod.containers.values()) {
      c.onTerminated = null;
      c.terminate(137, 'Error');
      await this.tracker.killAll(c.ctx.id);
    }
    pod.netns?.stop();
  }

  containerState(podUid: string, container: string): ContainerState {
    return this.pods.get(podUid)?.containers.get(container)?.state ?? { state: 'waiting', reason: 'ContainerCreating' };
  }

  handleExec(req: IncomingMessage, socket: Duplex, head: Buffer, target: { podUid: string; container: string; podName: string }, opts: ExecStreamOptions, path: StreamPath): void {
    const container = this.pods.get(target.podUid)?.containers.get(target.container) ?? null;
    if (path === 'kubelet-spdy') {
      handleSpdyExecUpgrade({ req, socket, head, container, containerName: target.container, opts });
      return;
    }
    handleExecUpgrade({ wss: this.wss, req, socket, head, container, containerName: target.container, opts, path, dropAfterMs: this.dropAfterMs });
  }

  handlePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, target: { podUid: string; podName: string }, ports: number[]): void {
    const pod = this.pods.get(target.podUid);
    handlePortForwardUpgrade({ wss: this.wss, req, socket, head, podUid: target.podUid, netnsPath: pod?.netns?.path ?? null, ports });
  }

  logs(podUid: string, container: string, previous: boolean): ContainerLog | null {
    const c = this.pods.get(podUid)?.containers.get(container);
    if (!c) return null;
    return previous ? c.previous : c.log;
  }

  async processes(podUid: string, container: string): Promise<ProcessInfo[]> {
    const c = this.pods.get(podUid)?.containers.get(container);
    if (!c) return [];
    return readProcessInfos(await this.tracker.pids(c.ctx.id));
  }

  setExecDropAfterMs(ms: number): void {
    this.dropAfterMs = ms;
  }

  async shutdown(): Promise<void> {
    for (const uid of [...this.pods.keys()]) await this.stopPod(uid);
    await this.tracker.dispose();
    process.removeListener('exit', this.onExit);
    this.wss.close();
  }

  private allGroupIds(): string[] {
    return [...this.pods.values()].flatMap((p) => [...p.containers.values()].map((c) => c.ctx.id));
  }
}

/**
 * A runAsUser process must be able to reach its HOME under the state directory: add search
 * (x) permission for others on the state dir and its parent when they lack it (mkdtemp makes
 * 0700 directories). Nothing is made readable or writable.
 */
async function allowTraversal(stateDir: string): Promise<void> {
  for (const dir of [stateDir, dirname(stateDir)]) {
    const st = await stat(dir).catch(() => null);
    if (!st || st.uid !== process.getuid?.() || dir === '/' || (st.mode & 0o001) !== 0) continue;
    await chmod(dir, (st.mode & 0o7777) | 0o011).catch(() => undefined);
  }
}
