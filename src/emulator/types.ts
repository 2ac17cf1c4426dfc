/**
 * Public shapes of the Kubernetes API emulator (the API-server half). The runtime half lives
 * behind ContainerRuntime in runtime/types.ts.
 */
import type { ContainerRuntime, ProcessInfo } from './runtime/types.ts';

/** A Kubernetes object as stored: plain JSON with the usual metadata. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** The emulator-only `kind: EmulatorConfig` document of a fixture. */
export interface EmulatorConfig {
  /** Bearer token → identity (system:authenticated is added on authentication). */
  tokens: { token: string; user: string; groups?: string[] }[];
  /** Image name (as in the pod spec) → runtime image kind ('debian' | 'busybox'). Names not
   *  listed map to 'busybox' when they contain "busybox", else 'debian'. */
  images?: Record<string, string>;
  /** "namespace/pod" → container name → text of the previous instance's log. */
  previousLogs?: Record<string, Record<string, string>>;
  /** The Kubernetes version to report (default v1.33.4); see server-version.ts. */
  serverVersion?: string;
}

export interface RequestLogEntry {
  /** RFC3339 time the request arrived. */
  time: string;
  method: string;
  path: string;
  /** The raw query string, without the leading '?'. */
  query: string;
  /** Authenticated user and groups (absent when authentication failed). */
  user?: string;
  groups?: string[];
  impersonatedUser?: string;
  impersonatedGroups?: string[];
  /** HTTP status answered (101 for an accepted upgrade). */
  status: number;
  /** WebSocket subprotocol negotiated for an upgrade. */
  protocol?: string;
  /** When the connection of a long-running request (upgrade, follow) ended. */
  closedAt?: string;
}

export interface FaultOptions {
  /** Added latency before each request is handled (0 = off). */
  latencyMs?: number;
  /** Fail the next `count` requests (whose path matches `pathPattern`, a RegExp source). */
  failNext?: { count: number; status: number; pathPattern?: string; message?: string };
  /** Drop exec streams this many ms after they start (0 = off). */
  dropExecAfterMs?: number;
  /** Refuse (destroy) new TCP connections; `refuseConnectionsMs` turns it off after a while. */
  refuseConnections?: boolean;
  refuseConnectionsMs?: number;
  /** Destroy every open connection now (with refuseConnections: the API server is down). */
  dropOpenConnections?: boolean;
}

export interface EmulatorOptions {
  /** Path of the fixture YAML, or its text via `fixtureText`. */
  fixture?: string;
  fixtureText?: string;
  /** Default true. */
  tls?: boolean;
  /** host:port, default 127.0.0.1:0. */
  listen?: string;
  /** Serve /_emulator/ (loopback only). Default false. */
  control?: boolean;
  /** Directory for certificates and container state (default: a fresh temp dir). */
  stateDir?: string;
  /** A runtime to use instead of createRuntime() from runtime/index.ts. */
  runtime?: ContainerRuntime;
  /** Overrides the fixture's serverVersion. */
  serverVersion?: string;
}

export interface KubeconfigOptions {
  token: string;
  context?: string;
  namespace?: string;
  /** kubeconfig user.as (client-side impersonation). */
  as?: string;
}

export interface Emulator {
  readonly url: string;
  /** PEM of the CA that signed the server certificate (null without TLS). */
  readonly caPem: string | null;
  writeKubeconfig(path: string, opts: KubeconfigOptions): void;
  processes(namespace: string, pod: string, container: string): Promise<ProcessInfo[]>;
  requests(): Promise<RequestLogEntry[]>;
  fault(f: FaultOptions): void;
  close(): Promise<void>;
}
