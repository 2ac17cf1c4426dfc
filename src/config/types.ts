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
  /** PROXY protocol (v1/v2) from load balancers; off while trustedSources is empty. */
  proxyProtocol: ProxyProtocolConfig;
  session: SessionConfig;
  files: FilesConfig;
  ssh: SshConfig;
  /** Prometheus metrics and /healthz /readyz; null disables the HTTP listener. */
  metrics: { listen: string } | null;
  health: HealthConfig;
  log: LogConfig;
  /** Sessions that outlive a connection (detach, attach, resume, watch; docs/sessions.md). */
  sessions: SessionsConfig;
  /** Where podgate keeps its journal of live sessions (to reap after a crash). */
  stateDir: string;
  /** Optional text shown before authentication. */
  banner?: string;
  /** Sessions across replicas (docs/replicas.md); null: off. */
  replicas: ReplicasConfig | null;
}

/** The internal relay between replicas; what is absent comes from the environment (src/replicas/settings.ts). */
export interface ReplicasConfig {
  /** host:port of the relay listener. */
  listen: string;
  /** host:port other replicas reach this one at (its Leases' holderIdentity). */
  advertise?: string;
  /** File with the shared secret (at least 32 bytes). */
  secretFile?: string;
  /** Namespace of the session Leases. */
  namespace?: string;
  connectTimeoutMs: number;
  /** Relay connections in their handshake at once; the excess is dropped. */
  maxPending: number;
}

interface KubernetesConfig {
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

/**
 * Narrows what RBAC allows; never widens it. Absent lists mean "whatever RBAC allows". Which
 * switch governs which path: src/policy/actions.ts and docs/policy.md.
 */
export interface UserPolicy {
  namespaces?: string[];
  /** A Kubernetes label selector pods must match. */
  podSelector?: string;
  /** Commands and login shells (any program, rsync included). */
  shell: boolean;
  /** `ssh -L` / `-D` to the pod's localhost. */
  forwarding: boolean;
  /** File transfer: the sftp subsystem and legacy scp. */
  sftp: boolean;
  console: boolean;
  /** `logs TARGET` in the console (with console). */
  logs: boolean;
  /** Watching other users' live sessions (default false). */
  watch: boolean;
  /** Reading session recordings (default false). */
  recordings: boolean;
  /** The browser terminal (default false). */
  web: boolean;
}

export interface LimitsConfig {
  /** Seconds a connection may take to authenticate (sshd LoginGraceTime). */
  loginGraceSeconds: number;
  /** Failed authentication attempts per connection before it is closed (sshd MaxAuthTries). */
  maxAuthTries: number;
  /**
   * SSH handshakes before authentication running at once, in total and per source address
   * (sshd MaxStartups). Connections beyond these wait, accepted but silent, in a queue.
   */
  maxUnauthenticated: number;
  maxUnauthenticatedPerSource: number;
  /** Connections waiting for a handshake slot, in total (random early drop from half) and per source. */
  maxQueued: number;
  maxQueuedPerSource: number;
  /** Nested (jump-host) connections one connection may hold at once. */
  maxNestedPerConnection: number;
  /** Per-source penalties (sshd PerSourcePenalties). */
  penalties: PenaltiesConfig;
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
  /** Session channels open at once on one SSH connection (sshd MaxSessions); more are refused. */
  maxSessionsPerConnection: number;
  /** `env` requests kept per session, and their total bytes (name + value); more are refused. */
  maxEnvPerSession: number;
  maxEnvBytesPerSession: number;
  /** SFTP handles (files and directories) open at once per session (podgate's own server). */
  sftpMaxHandles: number;
  /** Bytes read ahead of the client's READs, per open file and per session in all. */
  sftpReadAheadBytes: number;
  sftpSessionReadAheadBytes: number;
  /**
   * SFTP requests being served at once per session, and their bytes (the packets, plus the
   * length each READ asks for); beyond either, podgate stops reading the channel.
   */
  sftpMaxRequestsInFlight: number;
  sftpMaxBytesInFlight: number;
  /** Longest path (bytes) an SFTP request may carry; longer ones fail without reaching the pod. */
  sftpMaxPathBytes: number;
}

interface FilesConfig {
  /** `auto`: the container's own sftp-server when it has one; `builtin`: always podgate's. */
  sftpMode: 'auto' | 'builtin';
}

interface SshConfig {
  /** ssh2's AES-GCM packets come from pooled slabs (src/ssh/packet-alloc.ts). */
  packetPool: boolean;
}

export interface PenaltiesConfig {
  /** Seconds of penalty a source accrues when a connection ends after failed authentication. */
  authfail: number;
  /** ... ends without authenticating (nor failing), or is pre-empted. */
  noauth: number;
  /** ... runs out of login grace time. */
  graceExceeded: number;
  /** ... ends on a protocol error (a malformed packet). */
  crash: number;
  /** Accrued seconds at which connections from the source are refused (until the time runs out). */
  min: number;
  /** Most penalty seconds a source can hold. */
  max: number;
  /** Most sources in the penalty table (a full table records no new penalties). */
  maxSources: number;
  /** Addresses/CIDRs never penalised (e.g. your office NAT, health checkers). */
  exempt: string[];
}

export interface ProxyProtocolConfig {
  /**
   * Addresses/CIDRs of load balancers that send a PROXY header. From these the header is
   * required; from anyone else a PROXY header is refused. Empty: PROXY protocol off.
   */
  trustedSources: string[];
  /** Seconds a trusted source has to send its header. */
  headerTimeoutSeconds: number;
}

interface SessionConfig {
  /** `env` requests accepted from the client: names, or prefixes ending in `*`. */
  envAllow: string[];
}

/** Health checks behind /healthz and /readyz. */
interface HealthConfig {
  /** Seconds between probes of the Kubernetes API (GET /version as podgate); /readyz follows them. */
  apiProbeIntervalSeconds: number;
  /** /healthz fails while the event loop lags more than this (a wedged process gets restarted). */
  maxEventLoopLagMs: number;
}

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogConfig {
  /** Lowest level written; metrics and readiness see every event whatever the level. */
  level: LogLevel;
  /** `json` (one pino object per line, the default) or `text` (human-readable, for terminals). */
  format: 'json' | 'text';
}

/** Sessions that outlive a connection (docs/sessions.md). */
export interface SessionsConfig {
  /**
   * Seconds a PTY session whose connection dropped stays detached (resumable), and the
   * processes of a dropped non-PTY session linger (adoptable); 0 = they end with the connection.
   */
  detachGraceSeconds: number;
  /** `auto`: `ssh -t USER+TARGET` resumes the user's newest detached session on that container. */
  resume: 'off' | 'auto';
  /** Lines of scrollback the headless terminal of a session keeps (bounds its memory). */
  scrollbackLines: number;
}
