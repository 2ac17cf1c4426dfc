import type { Logger } from 'pino';
import type { V1Pod } from '@kubernetes/client-node';
import type {
  AccessCheck, ExecRequest, Identity, KubeApi, LogRequest, LogStream, PortForwardRequest, PortStream, ServerVersion, WorkloadKind,
} from './types.ts';
import { toPodgateError } from '../errors/index.ts';
import { ApiEndpoint } from './endpoint.ts';
import { RestClient } from './rest.ts';
import { canI, getPod, getServerVersion, getWorkloadSelector, listNamespaceNames, listPods } from './resources.ts';
import { openExec } from './exec.ts';
import type { KubeExecSession } from './exec-session.ts';
import { openPortForward } from './port-forward.ts';
import { openLogs } from './logs.ts';
import { createLease, deleteLease, getLease, listLeases, replaceLease, type Lease, type LeaseWrite } from './leases.ts';

/** Leases as podgate's own service account (never impersonated): sessions across replicas. */
export interface LeaseApi {
  createLease(namespace: string, lease: Lease): Promise<LeaseWrite>;
  replaceLease(namespace: string, lease: Lease): Promise<LeaseWrite>;
  getLease(namespace: string, name: string): Promise<Lease | null>;
  deleteLease(namespace: string, name: string, resourceVersion?: string): Promise<'ok' | 'conflict' | 'not-found'>;
  listLeases(namespace: string, labelSelector: string): Promise<Lease[]>;
}

export interface KubeApiOptions {
  /** Path to a kubeconfig; absent: in-cluster, else $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  /** Bounds every request: connect + answer (REST), connect + upgrade (exec, port-forward), connect + headers (logs). */
  requestTimeoutMs: number;
  logger?: Logger;
}

/** The KubeApi plus what only its owner (the composition root) needs. */
export interface KubeClient extends KubeApi, LeaseApi {
  exec(req: ExecRequest): Promise<KubeExecSession>;
  /** The API server's base URL (for logs and `whoami`). */
  readonly server: string;
  /** Drops idle kept-alive connections (at shutdown). */
  close(): void;
  /** GET /version as podgate itself (no impersonation): the readiness probe of the API. */
  probe(): Promise<void>;
}

/** Keeps the KubeApi promise: every rejection is a PodgateError (bad arguments become INTERNAL). */
function podgateErrors<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    throw toPodgateError(err);
  });
}

/**
 * Builds podgate's Kubernetes client. The kubeconfig is read now (a bad one throws
 * CONFIG_INVALID at startup); TLS material and credentials are resolved on first use.
 */
export function createKubeApi(opts: KubeApiOptions): KubeClient {
  const kc = ApiEndpoint.loadConfig(opts);
  const log = opts.logger?.child({ module: 'kube' });
  let endpoint: Promise<ApiEndpoint> | null = null;
  const ep = (): Promise<ApiEndpoint> => {
    if (!endpoint) {
      endpoint = ApiEndpoint.create(kc);
      // A failure (e.g. an exec plugin that failed) is retried on the next call.
      endpoint.catch(() => { endpoint = null; });
    }
    return endpoint;
  };
  const timeout = opts.requestTimeoutMs;
  const rest = new RestClient(ep, timeout);
  // The version changes only with an upgrade of the control plane: asked once, again after an hour.
  let version: { at: number; v: Promise<ServerVersion> } | null = null;
  const serverVersion = (): Promise<ServerVersion> => {
    if (!version || Date.now() - version.at > 3_600_000) {
      const v = podgateErrors(getServerVersion(rest));
      version = { at: Date.now(), v };
      v.catch(() => { version = null; });
    }
    return version.v;
  };
  return {
    server: kc.getCurrentCluster()?.server ?? '',
    getPod: (namespace: string, name: string, identity: Identity): Promise<V1Pod | null> => podgateErrors(getPod(rest, namespace, name, identity)),
    listPods: (namespace, identity, o) => podgateErrors(listPods(rest, namespace, identity, o)),
    getWorkloadSelector: (kind: WorkloadKind, namespace: string, name: string, identity: Identity) =>
      podgateErrors(getWorkloadSelector(rest, kind, namespace, name, identity)),
    canI: (identity: Identity, check: AccessCheck) => podgateErrors(canI(rest, identity, check)),
    listNamespaceNames: () => podgateErrors(listNamespaceNames(rest)),
    serverVersion,
    exec: (req: ExecRequest) => podgateErrors(ep().then((e) => openExec(e, req, timeout, log))),
    portForward: (req: PortForwardRequest): Promise<PortStream> => podgateErrors(ep().then((e) => openPortForward(e, req, timeout, log))),
    logs: (req: LogRequest): Promise<LogStream> => podgateErrors(ep().then((e) => openLogs(e, req, timeout, log))),
    createLease: (ns, lease) => podgateErrors(createLease(rest, ns, lease)),
    replaceLease: (ns, lease) => podgateErrors(replaceLease(rest, ns, lease)),
    getLease: (ns, name) => podgateErrors(getLease(rest, ns, name)),
    deleteLease: (ns, name, rv) => podgateErrors(deleteLease(rest, ns, name, rv)),
    listLeases: (ns, selector) => podgateErrors(listLeases(rest, ns, selector)),
    probe: () => podgateErrors(rest.request({ method: 'GET', path: '/version', identity: null, what: 'probe the API server (GET /version)' }).then(() => undefined)),
    close: () => {
      if (endpoint) void endpoint.then((e) => e.close(), () => undefined);
    },
  };
}
