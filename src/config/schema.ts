/**
 * The JSON Schema of podgate's YAML config (docs/contract.md §5), with every default. It is the source of
 * truth for validation and defaults and must agree with src/config/types.ts. Every object has
 * `additionalProperties: false`, so a misspelt key is an error instead of a silent no-op.
 * Checks a schema cannot express (public keys parse, unique user names, host:port, DNS-1123
 * namespaces, no system:masters) live in src/config/semantics.ts.
 */
const DEFAULT_LISTEN = '0.0.0.0:2222';
const DEFAULT_METRICS_LISTEN = '127.0.0.1:9090';

const policySchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    namespaces: { type: 'array', items: { type: 'string' } },
    podSelector: { type: 'string' },
    shell: { type: 'boolean', default: true },
    forwarding: { type: 'boolean', default: true },
    sftp: { type: 'boolean', default: true },
    console: { type: 'boolean', default: true },
    // `ssh USER@bastion logs TARGET` (also needs console). docs/policy.md.
    logs: { type: 'boolean', default: true },
    // Features that expose other users' sessions or a new front door: off until enabled.
    watch: { type: 'boolean', default: false },
    recordings: { type: 'boolean', default: false },
    web: { type: 'boolean', default: false },
  },
} as const;

const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string' },
    publicKeys: { type: 'array', items: { type: 'string' }, default: [] },
    kubernetes: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        // Absent: the user's own name (filled in by load.ts, a schema default cannot refer to it).
        user: { type: 'string', minLength: 1 },
        groups: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
      },
    },
    defaultNamespace: { type: 'string' },
    allow: policySchema,
  },
} as const;

const seconds = (def: number) => ({ type: 'integer', minimum: 0, default: def }) as const;
const count = (min: number, def: number) => ({ type: 'integer', minimum: min, default: def }) as const;
const KiB = 1024;
const MiB = 1024 * KiB;

export const configSchema = {
  $id: 'https://podgate.dev/schema/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    listen: { type: 'string', default: DEFAULT_LISTEN },
    hostKeys: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, default: ['keys/ssh_host_ed25519_key'] },
    kubernetes: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        kubeconfig: { type: 'string', minLength: 1 },
        context: { type: 'string', minLength: 1 },
        requestTimeoutMs: { type: 'integer', minimum: 100, default: 10_000 },
      },
    },
    defaultNamespace: { type: 'string', default: 'default' },
    users: { type: 'array', items: userSchema, default: [] },
    userCAs: { type: 'array', items: { type: 'string' }, default: [] },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        loginGraceSeconds: { type: 'integer', minimum: 1, default: 120 },
        maxAuthTries: { type: 'integer', minimum: 1, default: 6 },
        maxUnauthenticated: { type: 'integer', minimum: 1, default: 100 },
        maxUnauthenticatedPerSource: { type: 'integer', minimum: 1, default: 10 },
        maxQueued: { type: 'integer', minimum: 0, default: 2000 },
        maxQueuedPerSource: { type: 'integer', minimum: 0, default: 500 },
        maxNestedPerConnection: { type: 'integer', minimum: 0, default: 10 },
        penalties: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            authfail: seconds(5),
            noauth: seconds(1),
            graceExceeded: seconds(10),
            crash: seconds(90),
            min: seconds(15),
            max: seconds(600),
            maxSources: { type: 'integer', minimum: 1, default: 65_536 },
            exempt: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
          },
        },
        keepaliveIntervalSeconds: seconds(15),
        keepaliveCountMax: { type: 'integer', minimum: 1, default: 3 },
        idleTimeoutSeconds: seconds(0),
        maxSessionSeconds: seconds(0),
        reapGraceSeconds: seconds(5),
        shutdownGraceSeconds: seconds(30),
        // Per-connection and per-session memory budget (docs/limits.md).
        maxSessionsPerConnection: count(1, 10),
        maxEnvPerSession: count(0, 64),
        maxEnvBytesPerSession: count(0, 16 * KiB),
        sftpMaxHandles: count(1, 64),
        sftpReadAheadBytes: count(64 * KiB, 256 * KiB),
        sftpSessionReadAheadBytes: count(64 * KiB, 2 * MiB),
        sftpMaxRequestsInFlight: count(1, 64),
        sftpMaxBytesInFlight: count(256 * KiB, 4 * MiB),
        sftpMaxPathBytes: count(256, 4096),
      },
    },
    files: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        sftpMode: { enum: ['auto', 'builtin'], default: 'auto' },
      },
    },
    ssh: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        packetPool: { type: 'boolean', default: true },
      },
    },
    proxyProtocol: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        trustedSources: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
        headerTimeoutSeconds: { type: 'integer', minimum: 1, default: 10 },
      },
    },
    session: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        envAllow: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['LANG', 'LC_*', 'TERM'] },
      },
    },
    metrics: {
      type: ['object', 'null'],
      additionalProperties: false,
      default: {},
      properties: {
        listen: { type: 'string', default: DEFAULT_METRICS_LISTEN },
      },
    },
    // --- operations: health checks and logging (README "Configuration", docs/events.md) ---
    health: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        apiProbeIntervalSeconds: { type: 'number', exclusiveMinimum: 0, default: 10 },
        maxEventLoopLagMs: { type: 'integer', minimum: 10, default: 5000 },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
        format: { enum: ['json', 'text'], default: 'json' },
      },
    },
    // --- end of operations keys ---
    // --- sessions that outlive a connection: detach, attach, resume, watch (docs/sessions.md) ---
    sessions: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        detachGraceSeconds: seconds(0),
        resume: { enum: ['off', 'auto'], default: 'off' },
        scrollbackLines: { type: 'integer', minimum: 0, maximum: 100_000, default: 10_000 },
      },
    },
    // --- end of sessions keys ---
    stateDir: { type: 'string', minLength: 1, default: 'podgate-state' },
    banner: { type: 'string' },
    // --- sessions across replicas (docs/replicas.md); absent or null: off ---
    replicas: {
      type: ['object', 'null'],
      additionalProperties: false,
      default: null,
      properties: {
        listen: { type: 'string', default: '0.0.0.0:7022' },
        // Absent: $PODGATE_REPLICAS_ADVERTISE.
        advertise: { type: 'string', minLength: 1 },
        // Absent: $PODGATE_REPLICAS_SECRET.
        secretFile: { type: 'string', minLength: 1 },
        // Absent: the service account's namespace (in a pod), else $PODGATE_REPLICAS_NAMESPACE.
        namespace: { type: 'string', minLength: 1 },
        connectTimeoutMs: { type: 'integer', minimum: 100, default: 5000 },
        maxPending: count(1, 16),
      },
    },
  },
} as const;
