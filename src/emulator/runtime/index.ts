/** The emulator's container runtime (kubelet + containerd). See README.md in this folder. */
import { ProcessRuntime } from './runtime.ts';
import type { ContainerRuntime } from './types.ts';

export type * from './types.ts';

/**
 * Creates the runtime. The cgroup root and the state directory are prepared in the background,
 * so this stays synchronous for the API server to wire; every call waits for them.
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
    if (this.inner) this.inner.handleExec(...a);
    else void this.ready.then((r) => r.handleExec(...a), () => a[1].destroy());
  }
  handlePortForward(...a: Parameters<ContainerRuntime['handlePortForward']>): void {
    if (this.inner) this.inner.handlePortForward(...a);
    else void this.ready.then((r) => r.handlePortForward(...a), () => a[1].destroy());
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
