/**
 * Publishes this replica's live PTY sessions as Leases (podgate's own service account, in
 * `replicas.namespace`) so that any replica can find the holder: holderIdentity is this
 * replica's advertise address, leaseDurationSeconds the detach grace capped at
 * MAX_LEASE_SECONDS (that cap with no grace), renewed every third of that. One create when the
 * session starts, a replace when it detaches or is attached again (`podgate.dev/state`), one
 * delete when it ends; the writes of one session run one after the other. A holder that stops renewing (a crash) leaves
 * a Lease whose renewTime + duration has passed: `find` reports it stale, and the finder removes
 * it. Kubernetes errors never reach the session: they are logged (REPLICA_LEASE_ERROR) and the
 * session stays reachable here.
 */
import type { Logger } from 'pino';
import type { LeaseApi } from '../kube/index.ts';
import type { Lease } from '../kube/leases.ts';
import { emit } from '../events/emit.ts';
import { ANNOTATION_CLUSTER, ANNOTATION_CONTAINER, ANNOTATION_KIND, ANNOTATION_STATE, ANNOTATION_DETACHED_AT, ANNOTATION_NAMESPACE, ANNOTATION_POD, ANNOTATION_STARTED_AT, ANNOTATION_TARGET, ANNOTATION_USER, LABEL_SESSION, LABEL_USER, MANAGED_BY, labelValue, leaseName, microTime } from './lease-names.ts';

/** A crashed holder is noticed within this long, however long the detach grace. */
const MAX_LEASE_SECONDS = 30;

interface SessionContainer {
  namespace: string;
  pod: string;
  container: string;
}

/** What other replicas see of a session: a client attached (or watching) it, or none. */
export type PublishedState = 'attached' | 'detached';

export interface PublishedSession extends SessionContainer {
  id: string;
  /** The configured cluster (docs/clusters.md). */
  cluster: string;
  user: string;
  /** The target as shown in `sessions` (e.g. `web-7d9f.prod+app`). */
  target: string;
  /** When the session started (ISO), for `sessions`. */
  startedAt: string;
  graceSeconds: number;
  state: PublishedState;
  /** `linger`: lingering processes of a dropped non-PTY session, not a terminal. */
  kind?: 'linger';
}

export interface FoundSession extends SessionContainer {
  id: string;
  /** The configured cluster; null on a Lease an older replica wrote (the default cluster then). */
  cluster: string | null;
  holder: string;
  user: string;
  target: string;
  startedAt: string;
  /** Empty while attached. */
  detachedAt: string;
  /** `detached` on a Lease an older replica wrote (they published only detached sessions). */
  state: PublishedState;
  /** `pty`: a terminal session; `linger`: lingering processes another replica may adopt. */
  kind: 'pty' | 'linger';
  stale: boolean;
  lease: Lease;
}

interface Published {
  /** What should be stored (annotations change with the state). */
  want: Lease;
  /** What was stored last (its resourceVersion), null before the create. */
  lease: Lease | null;
  timer: NodeJS.Timeout;
  gone: boolean;
  /** The session's Lease writes, one after the other. */
  chain: Promise<void>;
  /** A renewal waits in `chain` (a slow API server does not pile them up). */
  renewing: boolean;
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

  publish(s: PublishedSession): void {
    this.withdraw(s.id);
    const duration = Math.max(1, Math.min(s.graceSeconds > 0 ? s.graceSeconds : MAX_LEASE_SECONDS, MAX_LEASE_SECONDS));
    const now = this.#now();
    const want: Lease = {
      name: leaseName(s.id),
      labels: { ...MANAGED_BY, [LABEL_USER]: labelValue(s.user), [LABEL_SESSION]: labelValue(s.id) },
      annotations: stateAnnotations({
        [ANNOTATION_USER]: s.user, [ANNOTATION_TARGET]: s.target, [ANNOTATION_STARTED_AT]: s.startedAt,
        [ANNOTATION_NAMESPACE]: s.namespace, [ANNOTATION_POD]: s.pod, [ANNOTATION_CONTAINER]: s.container, [ANNOTATION_CLUSTER]: s.cluster,
        ...(s.kind ? { [ANNOTATION_KIND]: s.kind } : {}),
      }, s.state, now),
      holderIdentity: this.o.advertise,
      leaseDurationSeconds: duration,
      acquireTime: microTime(now),
    };
    const p: Published = { want, lease: null, gone: false, chain: Promise.resolve(), renewing: false, timer: setInterval(() => this.#renew(s.id, p), (duration * 1000) / 3) };
    p.timer.unref();
    this.#published.set(s.id, p);
    this.#then(s.id, p, 'create', () => this.#store(p));
  }

  /** The session detached, or a client attached it again: one replace. */
  setState(id: string, state: PublishedState): void {
    const p = this.#published.get(id);
    if (!p || p.gone) return;
    const current = p.want.annotations?.[ANNOTATION_STATE];
    if (current === state) return;
    p.want = { ...p.want, annotations: stateAnnotations({ ...p.want.annotations }, state, this.#now()) };
    this.#then(id, p, 'state', () => this.#store(p));
  }

  /** The session ended: its Lease goes. */
  withdraw(id: string): void {
    const p = this.#published.get(id);
    if (!p) return;
    this.#published.delete(id);
    clearInterval(p.timer);
    p.gone = true;
    this.#then(id, p, 'delete', () => this.#delete(p));
  }

  async close(): Promise<void> {
    const all = [...this.#published.keys()].map((id) => [id, this.#published.get(id)!] as const);
    for (const [id] of all) this.withdraw(id);
    await Promise.all(all.map(([, p]) => p.chain));
  }

  /** The Lease of a session, if any replica published it. */
  async find(id: string): Promise<FoundSession | null> {
    const l = await this.o.api.getLease(this.o.namespace, leaseName(id));
    return l ? this.#found(l) : null;
  }

  /** A user's live sessions on every replica (attached or detached). */
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
      state: l.annotations?.[ANNOTATION_STATE] === 'attached' ? 'attached' : 'detached',
      kind: l.annotations?.[ANNOTATION_KIND] === 'linger' ? 'linger' : 'pty',
      namespace: l.annotations?.[ANNOTATION_NAMESPACE] ?? '',
      pod: l.annotations?.[ANNOTATION_POD] ?? '',
      container: l.annotations?.[ANNOTATION_CONTAINER] ?? '',
      cluster: l.annotations?.[ANNOTATION_CLUSTER] ?? null,
      stale,
      lease: l,
    };
  }

  #renew(id: string, p: Published): void {
    if (p.renewing) return;
    p.renewing = true;
    this.#then(id, p, 'renew', () => { p.renewing = false; return this.#store(p); });
  }

  /** Runs `step` after the session's earlier writes; a failure is logged, never thrown. */
  #then(id: string, p: Published, op: 'create' | 'renew' | 'state' | 'delete', step: () => Promise<void>): void {
    p.chain = p.chain.then(step).catch((err: unknown) => {
      emit(this.o.logger, { code: 'REPLICA_LEASE_ERROR', op, sessionId: id, err: (err as Error).message });
    });
  }

  /** Creates, or replaces with a fresh renewTime, the Lease as `p.want` says. */
  async #store(p: Published): Promise<void> {
    if (p.gone) return;
    const body: Lease = { ...p.want, renewTime: microTime(this.#now()) };
    let w = p.lease
      ? await this.o.api.replaceLease(this.o.namespace, { ...body, resourceVersion: p.lease.resourceVersion })
      : await this.o.api.createLease(this.o.namespace, body);
    if (w.status !== 'ok') {
      // Left by an earlier holder of the same id (a crash), or written or removed by someone else: ours again.
      const old = await this.o.api.getLease(this.o.namespace, body.name);
      w = old ? await this.o.api.replaceLease(this.o.namespace, { ...body, resourceVersion: old.resourceVersion }) : await this.o.api.createLease(this.o.namespace, body);
    }
    if (w.status !== 'ok') throw new Error(`lease ${body.name}: ${w.status}`);
    p.lease = w.lease;
  }

  async #delete(p: Published): Promise<void> {
    if (p.lease) await this.o.api.deleteLease(this.o.namespace, p.lease.name);
  }
}

/** The annotations with `state` (and `detached-at` only while detached). */
function stateAnnotations(a: Record<string, string>, state: PublishedState, now: number): Record<string, string> {
  const { [ANNOTATION_DETACHED_AT]: _was, ...rest } = a;
  return state === 'detached'
    ? { ...rest, [ANNOTATION_STATE]: state, [ANNOTATION_DETACHED_AT]: new Date(now).toISOString() }
    : { ...rest, [ANNOTATION_STATE]: state };
}
