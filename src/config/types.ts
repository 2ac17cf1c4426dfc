/**
 * The validated, defaulted configuration podgate runs with. The YAML keys of docs/contract.md §5 keep
 * these names; src/config/schema.ts is the source of truth for validation and defaults and
 * must agree with these types.
 */
export interface PodgateConfig {
  /** host:port of the SSH server. */
  listen: string;
  /** OpenSSH private key files (ed25519 first; RSA optional for old clients). */
  hostKeys: string[];
  kubernetes: KubernetesConfig;
  /** Namespace for targets that name none, when the user has no defaultNamespace. */
  defaultNamespace: string;
  users: UserConfig[];
  /** OpenSSH user-certificate authorities (public key lines); principal = user name. */
  userCAs: string[];
  limits: LimitsConfig;
  session: SessionConfig;
  /** Prometheus metrics and /healthz /readyz; null disables the HTTP listener. */
  metrics: { listen: string } | null;
  /** Where podgate keeps its journal of live sessions (to reap after a crash). */
  stateDir: string;
  /** Optional text shown before authentication. */
  banner?: string;
}

export interface KubernetesConfig {
  /** Path to a kubeconfig; absent: in-cluster, else $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  /** Upper bound for every API request and stream upgrade podgate makes. */
  requestTimeoutMs: number;
}

export interface UserConfig {
  name: string;
  /** authorized_keys lines. */
  publicKeys: string[];
  /** The Kubernetes identity impersonated for this user (default user = name, no groups). */
  kubernetes: { user: string; groups: string[] };
  defaultNamespace?: string;
  allow: UserPolicy;
}

/** Narrows what RBAC allows; never widens it. Absent lists mean "whatever RBAC allows". */
export interface UserPolicy {
  namespaces?: string[];
  /** A Kubernetes label selector pods must match. */
  podSelector?: string;
  shell: boolean;
  forwarding: boolean;
  sftp: boolean;
  console: boolean;
}

export interface LimitsConfig {
  /** Seconds a connection may take to authenticate (sshd LoginGraceTime). */
  loginGraceSeconds: number;
  /** Failed authentication attempts per connection before it is closed (sshd MaxAuthTries). */
  maxAuthTries: number;
  /** Unauthenticated connections allowed at once, in total and per source address. */
  maxUnauthenticated: number;
  maxUnauthenticatedPerSource: number;
  /** SSH keepalive: interval and missed replies before a client counts as dead. */
  keepaliveIntervalSeconds: number;
  keepaliveCountMax: number;
  /** End a session with no input or output for this long (0 = never). */
  idleTimeoutSeconds: number;
  /** End a session after this long whatever it does (0 = never). */
  maxSessionSeconds: number;
  /** Seconds between TERM and KILL when a session's processes are ended. */
  reapGraceSeconds: number;
  /** Seconds connected users get to finish after SIGTERM before their sessions are ended. */
  shutdownGraceSeconds: number;
}

export interface SessionConfig {
  /** `env` requests accepted from the client: names, or prefixes ending in `*`. */
  envAllow: string[];
}
