/**
 * Bounds the data streams of the exec file layer. Each stream (the `cat` behind one open SFTP
 * file, scp's transfers) is one exec: a process in the pod, a TLS WebSocket to the API server
 * and its buffers in podgate (~100 KiB or more each, most of it outside the V8 heap). Without a
 * bound, every open handle that was read once held one: 20 users × 64 handles were 1,280
 * sockets and most of the +350 MiB the hostile bench measured (docs/performance.md).
 *
 * `limits.sftpMaxStreams` bounds a session's streams: beyond it a stream waits for a slot of
 * its own session (the request that needs it stays in flight). A stream that serves nobody
 * (no request waiting on it) is parked when another stream of its session waits: its process
 * is ended and its owner reopens it where it left off (`tail -c +N`, `dd seek=N`) when asked
 * again, so a client with more open files than slots is slowed, never stalled.
 * `limits.sftpMaxStreamsTotal` bounds the whole process: past it, idle streams of any session
 * are parked for the newcomer, and when none is idle the request is refused at once with
 * SSH_FX_FAILURE (a `LIMIT_REFUSED` event) instead of waiting on other users.
 *
 * A slot is held from before the exec is opened until the exec is over (its WebSocket gone),
 * so the count is what podgate really holds.
 */
import { FsError } from './pod-fs/fs-error.ts';
import { STATUS } from './sftp/constants.ts';

/** What owns a stream, for parking it. */
export interface StreamHolder {
  /** True while no request waits on the stream. */
  idle(): boolean;
  /** Ends the stream; the holder opens a new one when it is needed again. */
  park(): void;
}

export interface StreamLimits {
  sftpMaxStreams: number;
  sftpMaxStreamsTotal: number;
}

/** A stream refused because the whole process is at `sftpMaxStreamsTotal`. */
export class StreamLimitError extends FsError {
  readonly limit = 'sftpMaxStreamsTotal';
  readonly value: number;
  constructor(value: number) {
    super(STATUS.FAILURE, `podgate is serving too many file streams (limit ${value}); try again later`);
    this.value = value;
  }
}

/** A granted slot. */
export interface Slot {
  /** Gives the slot back (once the stream is over). */
  release(): void;
  /** The stream is being ended for another reason: never park it. */
  retire(): void;
}

interface Lease {
  session: SessionStreams;
  holder: StreamHolder | null;
  parking: boolean;
}

interface Waiter {
  session: SessionStreams;
  holder: StreamHolder | null;
  grant: (slot: Slot) => void;
  fail: (err: Error) => void;
}

/** The process's streams. One per podgate process (filesExtensions). */
export class StreamSlots {
  /** Held now, oldest first (parking prefers the oldest idle stream). */
  readonly #leases = new Set<Lease>();
  readonly #waiting: Waiter[] = [];
  #total = Infinity;

  /** Streams held now (tests, metrics). */
  get size(): number { return this.#leases.size; }

  session(limits: StreamLimits): SessionStreams {
    return new SessionStreams(this, limits);
  }

  /** @internal SessionStreams.acquire */
  acquire(session: SessionStreams, holder: StreamHolder | null, signal: AbortSignal | undefined): Promise<Slot> {
    this.#total = session.limits.sftpMaxStreamsTotal;
    if (session.closed) return Promise.reject(new FsError(STATUS.FAILURE, 'session closed'));
    if (signal?.aborted) return Promise.reject(new FsError(STATUS.FAILURE, 'stream no longer wanted'));
    if (this.#fits(session)) return Promise.resolve(this.#grant(session, holder));
    // Only the process is full, and nothing anywhere can make room: refuse rather than wait.
    if (session.count < session.limits.sftpMaxStreams && ![...this.#leases].some((l) => l.parking || l.holder?.idle())) {
      return Promise.reject(new StreamLimitError(session.limits.sftpMaxStreamsTotal));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        session, holder,
        grant: (slot) => { signal?.removeEventListener('abort', onAbort); resolve(slot); },
        fail: (err) => { signal?.removeEventListener('abort', onAbort); reject(err); },
      };
      const onAbort = (): void => { this.#drop(w); w.fail(new FsError(STATUS.FAILURE, 'stream no longer wanted')); };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(w);
      this.kick();
    });
  }

  /** Fails every waiter of `session` (it is closing). */
  closeSession(session: SessionStreams): void {
    for (const w of this.#waiting.filter((x) => x.session === session)) {
      this.#drop(w);
      w.fail(new FsError(STATUS.FAILURE, 'session closed'));
    }
  }

  /**
   * Parks as many idle streams as there are waiters that parking would serve: first in the
   * waiter's own session when that is full, then anywhere when the process is full.
   */
  kick(): void {
    if (this.#waiting.length === 0) return;
    let processWaiters = 0;
    const sessionWaiters = new Map<SessionStreams, number>();
    for (const w of this.#waiting) {
      if (w.session.count >= w.session.limits.sftpMaxStreams) sessionWaiters.set(w.session, (sessionWaiters.get(w.session) ?? 0) + 1);
      else processWaiters++;
    }
    for (const [session, n] of sessionWaiters) this.#park(n, (l) => l.session === session);
    if (processWaiters > 0 && this.#leases.size >= this.#total) this.#park(processWaiters, () => true);
  }

  #park(wanted: number, mine: (l: Lease) => boolean): void {
    let parking = 0;
    for (const l of this.#leases) if (l.parking && mine(l)) parking++;
    for (const l of this.#leases) {
      if (parking >= wanted) return;
      if (l.parking || !mine(l) || l.holder === null || !l.holder.idle()) continue;
      l.parking = true;
      parking++;
      l.holder.park();
    }
  }

  #fits(session: SessionStreams): boolean {
    return session.count < session.limits.sftpMaxStreams && this.#leases.size < session.limits.sftpMaxStreamsTotal;
  }

  #grant(session: SessionStreams, holder: StreamHolder | null): Slot {
    const lease: Lease = { session, holder, parking: false };
    this.#leases.add(lease);
    session.count++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#leases.delete(lease);
        session.count--;
        this.#pump();
      },
      retire: () => { lease.parking = true; },
    };
  }

  /** Grants every waiter that fits now, in order; then parks for those that still wait. */
  #pump(): void {
    for (const w of [...this.#waiting]) {
      if (!this.#fits(w.session)) continue;
      this.#drop(w);
      w.grant(this.#grant(w.session, w.holder));
    }
    this.kick();
  }

  #drop(w: Waiter): void {
    const i = this.#waiting.indexOf(w);
    if (i >= 0) this.#waiting.splice(i, 1);
  }
}

/** One session's share of the slots. */
export class SessionStreams {
  readonly #slots: StreamSlots;
  readonly limits: StreamLimits;
  /** Streams this session holds now. */
  count = 0;
  closed = false;

  constructor(slots: StreamSlots, limits: StreamLimits) {
    this.#slots = slots;
    this.limits = limits;
  }

  /**
   * Resolves with a slot when there is room (release it once the stream is over); rejects with StreamLimitError when the process is full, or once
   * `signal` aborts or the session closes while waiting.
   */
  acquire(holder: StreamHolder | null, signal?: AbortSignal): Promise<Slot> {
    return this.#slots.acquire(this, holder, signal);
  }

  /** A holder may have become idle: park it if a waiter needs its slot. */
  kick(): void {
    this.#slots.kick();
  }

  /** No more streams: waiters fail now; slots held come back as their streams end. */
  close(): void {
    this.closed = true;
    this.#slots.closeSession(this);
  }
}
