/**
 * The relay's settings from `replicas.*` and, for what the config leaves out, the environment
 * (the chart sets them from the downward API and a Secret): PODGATE_REPLICAS_ADVERTISE,
 * PODGATE_REPLICAS_SECRET, PODGATE_REPLICAS_NAMESPACE; the namespace also from the in-cluster
 * service account. A missing or short secret stops the start with CONFIG_INVALID.
 */
import { readFileSync } from 'node:fs';
import type { ReplicasConfig } from '../config/types.ts';
import { mustParseListen, parseListen, type ListenAddress } from '../config/listen.ts';
import { PodgateError } from '../errors/index.ts';

const MIN_SECRET_BYTES = 32;
const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface ReplicaSettings {
  listen: ListenAddress;
  /** Absent: the listen host and the port actually bound (listen must name a host). */
  advertise?: string;
  secret: Buffer;
  namespace: string;
  connectTimeoutMs: number;
  maxPending: number;
}

const invalid = (key: string, why: string): PodgateError => new PodgateError('CONFIG_INVALID', `replicas.${key}: ${why}`);

function readSecret(c: ReplicasConfig, env: NodeJS.ProcessEnv): Buffer {
  let secret: Buffer;
  if (c.secretFile !== undefined) {
    try {
      secret = readFileSync(c.secretFile);
    } catch (err) {
      throw invalid('secretFile', `cannot read ${c.secretFile}: ${(err as Error).message}`);
    }
  } else if (env.PODGATE_REPLICAS_SECRET) {
    secret = Buffer.from(env.PODGATE_REPLICAS_SECRET);
  } else {
    throw invalid('secretFile', 'no secret: set replicas.secretFile or PODGATE_REPLICAS_SECRET');
  }
  // A trailing newline (echo > file) is not part of the secret.
  let end = secret.length;
  while (end > 0 && (secret[end - 1] === 0x0a || secret[end - 1] === 0x0d)) end--;
  secret = secret.subarray(0, end);
  if (secret.length < MIN_SECRET_BYTES) throw invalid('secretFile', `the secret has ${secret.length} bytes; at least ${MIN_SECRET_BYTES} are needed (e.g. openssl rand -base64 48)`);
  return secret;
}

function readNamespace(c: ReplicasConfig, env: NodeJS.ProcessEnv, saFile: string): string {
  if (c.namespace) return c.namespace;
  try {
    const ns = readFileSync(saFile, 'utf8').trim();
    if (ns) return ns;
  } catch { /* not in a pod */ }
  if (env.PODGATE_REPLICAS_NAMESPACE) return env.PODGATE_REPLICAS_NAMESPACE;
  throw invalid('namespace', 'no namespace for the session Leases: set replicas.namespace');
}

export function replicaSettings(c: ReplicasConfig, env: NodeJS.ProcessEnv = process.env, saFile = SA_NAMESPACE): ReplicaSettings {
  const listen = mustParseListen(c.listen);
  const advertise = c.advertise ?? env.PODGATE_REPLICAS_ADVERTISE;
  if (advertise !== undefined) {
    const p = parseListen(advertise);
    if ('error' in p || p.port === 0) throw invalid('advertise', `"${advertise}" is not a host:port other replicas can reach`);
  } else if (['0.0.0.0', '::', ''].includes(listen.host)) {
    throw invalid('advertise', 'needed when replicas.listen binds every address: set it (or PODGATE_REPLICAS_ADVERTISE) to this replica\'s own host:port');
  }
  return {
    listen,
    ...(advertise === undefined ? {} : { advertise }),
    secret: readSecret(c, env),
    namespace: readNamespace(c, env, saFile),
    connectTimeoutMs: c.connectTimeoutMs,
    maxPending: c.maxPending,
  };
}

/** This replica's address as other replicas reach it. */
export function advertiseAddress(s: ReplicaSettings, boundPort: number): string {
  if (s.advertise) return s.advertise;
  return s.listen.host.includes(':') ? `[${s.listen.host}]:${boundPort}` : `${s.listen.host}:${boundPort}`;
}
