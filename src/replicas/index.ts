/**
 * Sessions across replicas (docs/replicas.md): this replica's relay listener, its session
 * Leases and how to reach another replica, started once from `replicas.*`.
 */
import type { Logger } from 'pino';
import type { ReplicasConfig } from '../config/types.ts';
import type { LeaseApi } from '../kube/index.ts';
import type { RelayTarget } from './relay-client.ts';
import { startRelayServer, type RelayHandler } from './relay-server.ts';
import { SessionLeases } from './session-leases.ts';
import { advertiseAddress, replicaSettings } from './settings.ts';

export interface ReplicaHub {
  /** This replica's address as the others reach it. */
  readonly advertise: string;
  readonly leases: SessionLeases;
  /** How to reach the replica at `address` (a Lease's holderIdentity). */
  target(address: string): RelayTarget;
  /** Stops the listener and withdraws this replica's Leases. */
  close(): Promise<void>;
}

export interface StartReplicasOptions {
  config: ReplicasConfig;
  leaseApi: LeaseApi;
  logger: Logger;
  /** Answers the other replicas (built over this replica's session registry). */
  handler: RelayHandler;
  env?: NodeJS.ProcessEnv;
}

export async function startReplicas(o: StartReplicasOptions): Promise<ReplicaHub> {
  const s = replicaSettings(o.config, o.env);
  const log = o.logger.child({ module: 'replicas' });
  const server = await startRelayServer({ host: s.listen.host, port: s.listen.port, secret: s.secret, handler: o.handler, logger: log, handshakeTimeoutMs: s.connectTimeoutMs, maxPending: s.maxPending });
  const advertise = advertiseAddress(s, server.port);
  const leases = new SessionLeases({ api: o.leaseApi, namespace: s.namespace, advertise, logger: log });
  await leases.sweepOwn();
  return {
    advertise,
    leases,
    target: (address) => ({ address, secret: s.secret, timeoutMs: s.connectTimeoutMs }),
    async close() {
      await server.close();
      await leases.close();
    },
  };
}
