/**
 * The seam between the emulator's API server (src/emulator/) and its container runtime
 * (src/emulator/runtime/). The API server does what the kube-apiserver does (authn, authz,
 * admission of the request, object storage, validation of pod/container names and query
 * parameters, the HTTP errors before an upgrade); the runtime does what the kubelet and
 * containerd do (processes, PTYs, streaming protocols, container logs).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';

export interface RuntimeContainerSpec {
  name: string;
  /** 'debian' (host filesystem) or 'busybox' (chroot into a busybox-static rootfs). */
  image: string;
  /** Main process argv (entrypoint + args). Absent: an idle main process that only waits. */
  command?: string[];
  env?: { name: string; value: string }[];
  workingDir?: string;
  runAsUser?: number;
  runAsGroup?: number;
}

export interface RuntimePodSpec {
  uid: string;
  namespace: string;
  name: string;
  containers: RuntimeContainerSpec[];
  /** Log text of a previous instance of a container (restartCount > 0), by container name. */
  previousLogs?: Record<string, string>;
}

export type ContainerState =
  | { state: 'running'; startedAt: string }
  | { state: 'waiting'; reason: string }
  | { state: 'terminated'; exitCode: number; reason: string; finishedAt: string };

/** Parsed exec options, already validated by the API server (PodExecOptions semantics). */
export interface ExecStreamOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** How the API server reached the runtime: the v5 StreamTranslator, or a proxied kubelet upgrade. */
/** How an exec reaches the runtime: v5 through the API server's StreamTranslator, or the kubelet's
 *  own WebSocket or SPDY/3.1 handler behind the API server's upgrade-aware proxy. */
export type StreamPath = 'apiserver-v5' | 'kubelet' | 'kubelet-spdy';

export interface LogLine {
  /** RFC3339Nano timestamp the runtime took when the line was written. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** The raw bytes, newline included (the last line may lack one). */
  data: Buffer;
}

export interface ContainerLog {
  /** Lines so far (the current instance, or the previous one). */
  lines(): LogLine[];
  /** Calls `onLine` for each new line until the returned function is called. */
  follow(onLine: (line: LogLine) => void, onEnd: () => void): () => void;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The command line, arguments joined by spaces. */
  args: string;
}

export interface ContainerRuntime {
  /** Starts the pod's containers (their main processes). Pods with a fixture status that says
   *  waiting/terminated are not started. */
  startPod(pod: RuntimePodSpec, states?: Record<string, ContainerState>): Promise<void>;
  stopPod(uid: string): Promise<void>;
  containerState(podUid: string, container: string): ContainerState;
  /** Takes over an HTTP upgrade for pods/exec after the API server accepted the request. */
  handleExec(req: IncomingMessage, socket: Duplex, head: Buffer, target: { podUid: string; container: string; podName: string }, opts: ExecStreamOptions, path: StreamPath): void;
  /** Takes over an HTTP upgrade for pods/portforward (WebSocket, v4.channel.k8s.io). */
  handlePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, target: { podUid: string; podName: string }, ports: number[]): void;
  logs(podUid: string, container: string, previous: boolean): ContainerLog | null;
  /** Every live process attributed to the container, daemonized ones included. */
  processes(podUid: string, container: string): Promise<ProcessInfo[]>;
  /** Test fault: drop exec streams this many ms after they start (0 = off). */
  setExecDropAfterMs(ms: number): void;
  /** Kills every process of every container. */
  shutdown(): Promise<void>;
}

export type { Readable };
