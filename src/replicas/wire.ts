/**
 * Connects this replica's session registry to the others (docs/replicas.md): starts the hub when
 * `replicas` is configured, answers relayed attaches from the registry (holder.ts), and keeps
 * one Lease per live PTY session: created when it starts, its state replaced when it detaches or
 * a client attaches again (here or through the relay), deleted when it ends; and one Lease per
 * lingering non-PTY session while another replica may adopt its processes.
 */
import type { Logger } from 'pino';
import type { PodgateConfig } from '../config/types.ts';
import { PodgateError } from '../errors/index.ts';
import type { LeaseApi } from '../kube/index.ts';
import type { SessionRegistry } from '../sessions/registry.ts';
import { holderHandler, type LingerHolder } from './holder.ts';
import { startReplicas, type ReplicaHub } from './index.ts';

export async function replicasFor(config: PodgateConfig, leaseApi: LeaseApi | undefined, registry: SessionRegistry, logger: Logger, linger?: LingerHolder): Promise<ReplicaHub | undefined> {
  if (!config.replicas) return undefined;
  if (!leaseApi) throw new PodgateError('CONFIG_INVALID', 'replicas: this podgate has no Kubernetes client for Leases');
  const hub = await startReplicas({ config: config.replicas, leaseApi, logger, handler: holderHandler(registry, linger) });
  // Every live PTY session is published (`watch ID` of an attached one from another replica);
  // `resume: auto` and the listings read its state.
  registry.observe({
    added: (s) => {
      const { cluster, namespace, pod, container } = s.target;
      hub.leases.publish({
        id: s.id, user: s.owner, target: `${pod}.${namespace}+${container}`, cluster, namespace, pod, container,
        startedAt: s.startedAt.toISOString(), graceSeconds: config.sessions.detachGraceSeconds, state: 'attached',
      });
    },
    detached: (s) => hub.leases.setState(s.id, 'detached'),
    attached: (s) => hub.leases.setState(s.id, 'attached'),
    removed: (s) => hub.leases.withdraw(s.id),
  });
  // Lingering processes of dropped non-PTY sessions: published while adoptable, so the same
  // user's next connection to that container adopts them from any replica (adopt-remote.ts).
  linger?.pool.observe({
    lingering: (e, graceSeconds) => {
      const { cluster, namespace, pod, container } = e.target;
      hub.leases.publish({
        id: e.sessionId, user: e.user, target: `${pod}.${namespace}+${container}`, cluster, namespace, pod, container,
        startedAt: '', graceSeconds, state: 'detached', kind: 'linger',
      });
    },
    settled: (id) => hub.leases.withdraw(id),
  });
  return hub;
}
