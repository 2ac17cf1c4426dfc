/**
 * What the rest of podgate knows about Kubernetes streams: plain interfaces, no ssh2, no
 * client-node types. src/session/ bridges SSH channels to these.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type { PodgateError } from '../errors/index.ts';

/** The Kubernetes identity a request is made as (Impersonate-User / one Impersonate-Group each). */
export interface Identity {
  user: string;
  groups: string[];
}

export interface ContainerRef {
  /** The configured cluster it is in (docs/clusters.md); absent: the default cluster. */
  cluster?: string;
  namespace: string;
  pod: string;
  container: string;
}

export interface ExecRequest extends ContainerRef {
  /** argv; run as is (no shell is added here). */
  command: string[];
  identity: Identity;
  stdin: boolean;
  tty: boolean;
  /** Initial terminal size, sent before any output is read (tty only). */
  size?: TerminalSize;
  /**
   * Aborted when whoever asked is gone (the SSH channel closed): an exec still waiting for its
   * upgrade is given up at once (rejects with API_ERROR) instead of holding its socket.
   */
  signal?: AbortSignal;
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** How an exec ended: the process's exit code (128+N when killed by signal N), or an error. */
export type ExecOutcome = { exitCode: number } | { error: PodgateError };

/** A running exec. All streams honour backpressure. */
export interface ExecSession {
  /** Input; `end()` gives the process stdin EOF (v5 CLOSE). null when stdin was not requested. */
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  /** null under a TTY (the runtime merges stderr into stdout). */
  readonly stderr: Readable | null;
  resize(size: TerminalSize): void;
  /** Settles once, after stdout and stderr have ended. Never rejects. */
  readonly done: Promise<ExecOutcome>;
  /** Drops the stream (as a network cut would). Like Kubernetes, signals nothing to the process. */
  abort(): void;
}

/** Opens exec streams. Rejects with a PodgateError (NOT_FOUND, FORBIDDEN, API_*) before upgrade. */
export interface PodExecutor {
  exec(req: ExecRequest): Promise<ExecSession>;
}

/** A byte stream to one port of a pod through pods/portforward. */
export interface PortForwardRequest {
  namespace: string;
  pod: string;
  port: number;
  identity: Identity;
}
export interface PortStream {
  /** Bytes to and from the pod's port; ends when either side ends. */
  readonly socket: Duplex;
  /** Settles when the stream is over; `error` if the pod refused the port or the API failed. */
  readonly done: Promise<{ error?: PodgateError }>;
  abort(): void;
}

export interface LogRequest extends ContainerRef {
  identity: Identity;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
  timestamps?: boolean;
}
export interface LogStream {
  /** The log bytes exactly as the API sent them. */
  readonly stream: Readable;
  /** Ends the request (a follow stops; the API server sees the connection close). */
  abort(): void;
}

/** What podgate asks of a SubjectAccessReview. */
export interface AccessCheck {
  verb: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name?: string;
  group?: string;
}

/**
 * Everything podgate does against the Kubernetes API, always as a user's identity
 * (impersonated). Implemented by createKubeApi in src/kube/index.ts; the session layer sees only this.
 * Every method rejects with a PodgateError (POD_NOT_FOUND, FORBIDDEN, API_UNREACHABLE,
 * API_TIMEOUT, API_ERROR...).
 */
export interface KubeApi extends PodExecutor {
  getPod(namespace: string, name: string, identity: Identity): Promise<V1Pod | null>;
  listPods(namespace: string | null, identity: Identity, opts?: { labelSelector?: string; fieldSelector?: string }): Promise<V1Pod[]>;
  /** A workload's label selector (matchLabels/matchExpressions as a selector string), or null if absent. */
  getWorkloadSelector(kind: WorkloadKind, namespace: string, name: string, identity: Identity): Promise<string | null>;
  /** SelfSubjectAccessReview as the identity. */
  canI(identity: Identity, check: AccessCheck): Promise<{ allowed: boolean; reason?: string }>;
  portForward(req: PortForwardRequest): Promise<PortStream>;
  logs(req: LogRequest): Promise<LogStream>;
  /**
   * Namespace names, listed as podgate's own identity (not impersonated): used only to know
   * where to run the per-namespace access reviews of the console's `pods` as the user.
   */
  listNamespaceNames?(): Promise<string[]>;
  /**
   * The API server's version, as podgate's own identity (cached): from 1.35 a WebSocket upgrade
   * of pods/exec and pods/portforward needs `create` as well as `get`.
   */
  serverVersion?(): Promise<ServerVersion>;
}

export interface ServerVersion {
  major: number;
  minor: number;
  gitVersion: string;
}

export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset' | 'replicaset' | 'job';
