/** The emulator's container runtime (kubelet + containerd). See README.md in this folder. */
import { ProcessRuntime } from './runtime.ts';
import type { ContainerRuntime } from './types.ts';

export type * from './types.ts';

/**
 * Creates the runtime. It prepares lazily: the cgroup root and the state directory are made on
 * first use, so this stays synchronous for the API server to wire.
 */
export function createRuntime(opts: { stateDir: string }): ContainerRuntime {
  return new LazyRuntime(ProcessRuntime.create(opts.stateDir));
}

class LazyRuntime implements ContainerRuntime {
  private inner: ProcessRuntime | null = null;
  private dropAfterMs = 0;
  constructor(private readonly ready: Promise<ProcessRuntime>) {
    ready.then(
      (r) => {
        this.inner = r;
        r.setExecDropAfterMs(this.dropAfterMs);
      },
      () => undefined,
    );
  }
  private get r(): ProcessRuntime {
    if (!this.inner) throw new Error('container runtime not ready: await startPod first');
    return this.inner;
  }
  async startPod(...a: Parameters<ContainerRuntime['startPod']>): Promise<void> {
    return (await this.ready).startPod(...a);
  }
  async stopPod(uid: string): Promise<void> {
    return (await this.ready).stopPod(uid);
  }
  containerState(podUid: string, container: string): ReturnType<ContainerRuntime['containerState']> {
    return this.inner ? this.inner.containerState(podUid, container) : { state: 'waiting', reason: 'ContainerCreating' };
  }
  handleExec(...a: Parameters<ContainerRuntime['handleExec']>): void {
    this.r.handleExec(...a);
  }
  handlePortForward(...a: Parameters<ContainerRuntime['handlePortForward']>): void {
    this.r.handlePortForward(...a);
  }
  logs(podUid: string, container: string, previous: boolean): ReturnType<ContainerRuntime['logs']> {
    return this.inner ? this.inner.logs(podUid, container, previous) : null;
  }
  async processes(podUid: string, container: string): ReturnType<ContainerRuntime['processes']> {
    return (await this.ready).processes(podUid, container);
  }
  setExecDropAfterMs(ms: number): void {
    this.dropAfterMs = ms;
    this.inner?.setExecDropAfterMs(ms);
  }
  async shutdown(): Promise<void> {
    return (await this.ready).shutdown();
  }
}
