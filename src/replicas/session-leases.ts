/**
 * Publishes this replica's detached sessions as Leases (podgate's own service account, in
 * `replicas.namespace`) so that any replica can find the holder: holderIdentity is this
 * replica's advertise address, leaseDurationSeconds the detach grace capped at
 * MAX_LEASE_SECONDS, renewed every third of that. A holder that stops renewing (a crash) leaves
 * a Lease whose renewTime + duration has passed: `find` reports it stale, and the finder removes
 * it. Kubernetes errors never reach the session: they are logged (REPLICA_LEASE_ERROR) and the
 * session stays reachable here.
 */
import type { Logger } from 'pino';
import type { LeaseApi } from '../kube/index.ts';
import type { Lease } from '../kube/leases.ts';
import { emit } from '../events/emit.ts';
import { ANNOTATION_CLUSTER, ANNOTATION_CONTAINER, ANNOTATION_DETACHED_AT, ANNOTATION_NAMESPACE, ANNOTATION_POD, ANNOTATION_STARTED_AT, ANNOTATION_TARGET, ANNOTATION_USER, LABEL_SESSION, LABEL_USER, MANAGED_BY, labelValue, leaseName, microTime } from './lease-names.ts';

/** A crashed holder is noticed within this long, however long the detach grace. */
const MAX_LEASE_SECONDS = 30;

interface SessionContainer {
  namespace: string;
  pod: string;
  container: string;
}

export interface DetachedSession extends SessionContainer {
  id: string;
  /** The configured cluster (docs/clusters.md). */
  cluster: string;
  user: string;
  /** The target as shown in `sessions` (e.g. `web-7d9f.prod+app`). */
  target: string;
  /** When the session started (ISO), for `sessions`. */
  startedAt: string;
  graceSeconds: number;
}

export interface FoundSession extends SessionContainer {
  id: string;
  /** The configured cluster; null on a Lease an older replica wrote (the default cluster then). */
  cluster: string | null;
  holder: string;
  user: string;
  target: string;
  startedAt: string;
  detachedAt: string;
  stale: boolean;
  lease: Lease;
}

interface Published {
  lease: Lease | null;
  timer: NodeJS.Timeout;
  gone: boolean;
}

export interface SessionLeasesOptions {
  api: LeaseApi;
  namespace: string;
  advertise: string;
  logger: Logger;
  now?: () => number;
}

export class SessionLeases {
  readonly #published = new Map<string, Published>();
  readonly #now: () => number;

  constructor(private readonly o: SessionLeasesOptions) {
    this.#now = o.now ?? Date.now;
  }

  get advertise(): string {
    return this.o.advertise;
  }

  /** Removes Leases a previous run of this replica (same advertise address) left behind. */
  async sweepOwn(): Promise<void> {
    try {
      for (const l of await this.o.api.listLeases(this.o.namespace, `${Object.keys(MANAGED_BY)[0]}=podgate`)) {
        if (l.holderIdentity === this.o.advertise && !this.#published.has(l.labels[LABEL_SESSION] ?? '')) {
          await this.o.api.deleteLease(this.o.namespace, l.name, l.resourceVersion);
        }
      }
    } catch (err) {
      emit(this.o.logger, { code: 'REPLICA_LEASE_ERROR', op: 'list', err: (err as Error).message });
    }
  }

  publish(s: DetachedSession): void {
    this.withdraw(s.id);
    const duration = Math.max(1, Math.min(s.graceSeconds, MAX_LEASE_SECONDS));
    const now = this.#now();
    const lease: Lease = {
      name: leaseName(s.id),
      labels: { ...MANAGED_BY, [LABEL_USER]: labelValue(s.user), [LABEL_SESSION]: labelValue(s.id) },
      annotations: {
        [ANNOTATION_USER]: s.user, [ANNOTATION_TARGET]: s.target, [ANNOTATION_STARTED_AT]: s.startedAt, [ANNOTATION_DETACHED_AT]: new Date(now).toISOString(),
        [ANNOTATION_NAMESPACE]: s.namespace, [ANNOTATION_POD]: s.pod, [ANNOTATION_CONTAINER]: s.container, [ANNOTATION_CLUSTER]: s.cluster,
      },
      holderIdentity: this.o.advertise,
      leaseDurationSeconds: duration,
      acquireTime: microTime(now),
      renewTime: microTime(now),
    };
    const p: Published = { lease: null, gone: false, timer: setInterval(() => void this.#renew(s.id, p), (duration * 1000) / 3) };
    p.timer.unref();
    this.#published.set(s.id, p);
    void this.#create(s.id, p, lease);
  }

  /** The session was resumed here or ended: its Lease goes. */
  withdraw(id: string): void {
    const p = this.#published.get(id);
    if (!p) return;
    this.#published.delete(id);
    clearInterval(p.timer);
    p.gone = true;
    if (p.lease) void this.#delete(id, p.lease);
  }

  async close(): Promise<void> {
    const all = [...this.#published.entries()];
    this.#published.clear();
    await Promise.all(all.map(async ([id, p]) => {
      clearInterval(p.timer);
      p.gone = true;
      if (p.lease) await this.#delete(id, p.lease);
    }));
  }

  /** The Lease of a session, if any replica published it. */
  async find(id: string): Promise<FoundSession | null> {
    const l = await this.o.api.getLease(this.o.namespace, leaseName(id));
    return l ? this.#found(l) : null;
  }

  /** A user's detached sessions on every replica. */
  async listForUser(user: string): Promise<FoundSession[]> {
    const leases = await this.o.api.listLeases(this.o.namespace, `${LABEL_USER}=${labelValue(user)}`);
    return leases.map((l) => this.#found(l)).filter((f) => f.user === user);
  }

  /** Removes a stale Lease (only the version that was found stale). */
  async removeStale(f: FoundSession): Promise<void> {
    emit(this.o.logger, { code: 'REPLICA_LEASE_STALE', sessionId: f.id, holder: f.holder });
    await this.o.api.deleteLease(this.o.namespace, f.lease.name, f.lease.resourceVersion).catch((err: unknown) => {
      emit(this.o.logger, { code: 'REPLICA_LEASE_ERROR', op: 'delete', sessionId: f.id, err: (err as Error).message });
    });
  }

  #found(l: Lease): FoundSession {
    const renewed = Date.parse(l.renewTime ?? l.acquireTime ?? '');
    // One second of clock skew between replicas is forgiven.
    const stale = !Number.isFinite(renewed) || renewed + l.leaseDurationSeconds * 1000 + 1000 < this.#now();
    return {
      id: l.labels[LABEL_SESSION] ?? '',
      holder: l.holderIdentity,
      user: l.annotations?.[ANNOTATION_USER] ?? l.labels[LABEL_USER] ?? '',
      target: l.annotations?.[ANNOTATION_TARGET] ?? '',
      startedAt: l.annotations?.[ANNOTATION_STARTED_AT] ?? '',
      detachedAt: l.annotations?.[ANNOTATION_DETACHED_AT] ?? '',
      namespace: l.annotations?.[ANNOTATION_NAMESPACE] ?? '',
      pod: l.annotations?.[ANNOTATION_POD] ?? '',
      container: l.annotations?.[ANNOTATION_CONTAINER] ?? '',
      cluster: l.annotations?.[ANNOTATION_CLUSTER] ?? null,
      stale,
      lease: l,
    };
  }

  async #create(id: string, p: Published, lease: Lease): Promise<void> {
    try {
      let w = await this.o.api.createLease(this.o.namespace, lease);
      if (w.status === 'conflict') {
        // Left by an earlier holder of the same id (a crash, or a session taken over): ours now.
        const old = await this.o.api.getLease(this.o.namespace, lease.name);
        w = old ? await this.o.api.replaceLease(this.o.namespace, { ...lease, resourceVersion: old.resourceVersion }) : await this.o.api.createLease(this.o.namespace, lease);
      }
      if (w.status !== 'ok') throw new Error(`lease ${lease.name}: ${w.status}`);
      p.lease = w.lease;
      if (p.gone) await this.#delete(id, w.lease);
    } catch (err) {
      emit(this.o.logger, { code: 'REPLICA_LEASE_ERROR', op: 'create', sessionId: id, err: (err as Error).message });
    }
  }

  async #renew(id: string, p: Published): Promise<void> {
    if (!p.lease || p.gone) return;
    try {
      const w = await this.o.api.replaceLease(this.o.namespace, { ...p.lease, renewTime: microTime(this.#now()) });
      if (w.status === 'ok') { if (!p.gone) p.lease = w.lease; return; }
      // Someone else wrote it (or removed it): publish again from scratch, unless it was withdrawn meanwhile.
      if (p.gone) return;
      const again = await this.o.api.getLease(this.o.namespace, p.lease.name);
      const w2 = again
        ? await this.o.api.replaceLease(this.o.namespace, { ...p.lease, resourceVersion: again.resourceVersion, renewTime: microTime(this.#now()) })
        : await this.o.api.createLease(this.o.namespace, { ...p.lease, renewTime: microTime(this.#now()) });
      if (w2.status !== 'ok') throw new Error(`lease ${p.lease.name}: ${w2.status}`);
      if (!p.gone) p.lease = w2.lease;
    } catch (err) {
      emit(this.o.logger, { code: 'REPLICA_LEASE_ERROR', op: 'renew', sessionId: id, err: (err as Error).message });
    }
  }

  async #delete(id: string, lease: Lease): Promise<void> {
    try {
      await this.o.api.deleteLease(this.o.namespace, lease.name);
    } catch (err) {
      emit(this.o.logger, { code: 'REPLICA_LEASE_ERROR', op: 'delete', sessionId: id, err: (err as Error).message });
    }
  }
}
