/**
 * A PTY session owned independently of the SSH channel(s) attached to it: it holds the exec,
 * feeds every output byte to one attached client, to its watchers and to a headless screen
 * mirror, and passes the attached client's keystrokes to the exec. When the client leaves, the
 * session is detached for `graceMs` (its exec keeps running, its screen keeps up), and a later
 * `attach` redraws the screen and goes live. Output is held while a client switches, so no byte
 * is lost or doubled at the switch-over. Knows neither ssh2 nor Kubernetes: only streams.
 */
import type { ExecOutcome, ExecSession } from '../kube/types.ts';
import type { WindowSize } from '../ssh/types.ts';
import { ScreenMirror } from './screen-mirror.ts';
import { Client } from './client.ts';
import { OutputGate } from './output-gate.ts';
import type { AttachEnd, AttachHandle, LiveSessionView, LiveTarget, SessionState, SessionTap, TerminalPeer } from './types.ts';

/** A watcher whose terminal holds more than this unsent is dropped, not waited for. */
const WATCHER_MAX_BUFFER = 1024 * 1024;
/**
 * Before a redraw: reset attributes, scroll what the client's terminal shows (a `podgate:` line
 * included) into its scrollback, then home and clear.
 */
const clearScreen = (rows: number): string => `\x1b[0m${'\r\n'.repeat(Math.max(1, rows))}\x1b[H\x1b[2J`;
/** Ctrl-]: a watcher's key to stop watching. */
const STOP_WATCHING = 0x1d;

export interface LiveSessionOptions {
  id: string;
  owner: string;
  target: LiveTarget;
  exec: ExecSession;
  /** The PTY size the exec was opened with. */
  size: WindowSize;
  /** Lines of scrollback of the screen mirror; null: no mirror, the session cannot be re-attached. */
  scrollbackLines: number | null;
  /** How long the session stays detached when its client leaves (0: it ends with the client). */
  graceMs: number;
  /** A byte went either way (idle timeout). */
  onActivity(): void;
  /** Observers of output, input and resizes (recordings). */
  tap?: SessionTap;
  /** The client left and the session is detached now (audit). */
  onDetached(): void;
  /** A client attached while it was detached (sessions across replicas withdraw its Lease). */
  onAttached?(): void;
  /** The client left and nobody may come back (grace 0), or the grace ran out: end the session. */
  onAbandoned(why: 'client-closed' | 'detach-expired'): void;
}

export class LiveSession implements LiveSessionView {
  readonly id: string;
  readonly owner: string;
  readonly target: LiveTarget;
  readonly startedAt = new Date();
  readonly done: Promise<ExecOutcome>;
  lastActivity = Date.now();
  bytesIn = 0;
  bytesOut = 0;
  #detachedAt: Date | null = null;
  readonly #o: LiveSessionOptions;
  /** The exec's output, paused while the client's window is full or a client switches in. */
  readonly #gate: OutputGate;
  readonly #mirror: ScreenMirror | null;
  #client: Client | null = null;
  readonly #watchers = new Set<Client>();
  /** Switches (attach, watch) run one at a time. */
  #switching: Promise<void> = Promise.resolve();
  #grace: NodeJS.Timeout | null = null;
  #endMessage: string | null = null;
  #over = false;
  readonly #size: WindowSize;

  constructor(o: LiveSessionOptions) {
    this.#o = o;
    this.id = o.id;
    this.owner = o.owner;
    this.target = o.target;
    this.#size = { ...o.size };
    this.#gate = new OutputGate(o.exec.stdout);
    this.#mirror = o.scrollbackLines === null ? null : new ScreenMirror({ ...o.size, scrollbackLines: o.scrollbackLines });
    o.exec.stdout.on('error', () => { /* the exec's outcome reports it */ });
    o.exec.stdout.on('data', (chunk: Buffer) => this.deliverOutput(chunk));
    this.done = o.exec.done.then((outcome) => {
      this.finish(outcome);
      return outcome;
    });
  }

  get state(): SessionState {
    if (!this.#client) return 'detached';
    return this.#watchers.size > 0 ? 'watched' : 'attached';
  }

  get resumable(): boolean {
    return this.#mirror !== null && this.#o.graceMs > 0;
  }

  get detachedAt(): Date | null {
    return this.#detachedAt;
  }

  /** The session's first client (no redraw: nothing was printed yet). */
  start(peer: TerminalPeer): AttachHandle {
    const c = new Client(peer, this, null);
    this.connect(c);
    return c;
  }

  attach(peer: TerminalPeer): AttachHandle {
    const c = new Client(peer, this, null);
    this.serially(async () => {
      if (c.over) return;
      if (this.#over) return c.end(this.endOf());
      this.stopGrace();
      const prev = this.#client;
      if (prev) this.release(prev, { kind: 'taken' });
      this.#gate.hold('switch');
      try {
        if (this.#mirror) {
          this.#mirror.resize(peer.cols, peer.rows);
          const screen = await this.#mirror.snapshot();
          if (!c.over) peer.stream.write(clearScreen(peer.rows) + screen);
        }
        if (c.over) {
          this.afterClientLeft();
          return;
        }
        this.connect(c);
        this.resizePty({ cols: peer.cols, rows: peer.rows });
      } finally {
        this.#gate.release('switch');
      }
    });
    return c;
  }

  watch(peer: TerminalPeer, watcher: string): AttachHandle {
    const c = new Client(peer, this, watcher);
    // A watcher's keystrokes are read and dropped; Ctrl-] (as in telnet) stops watching.
    const keys = (d: Buffer): void => {
      if (d.includes(STOP_WATCHING)) {
        peer.stream.off('data', keys);
        this.clientLeft(c);
      }
    };
    peer.stream.on('data', keys);
    this.serially(async () => {
      if (c.over) return;
      if (this.#over) return c.end(this.endOf());
      this.#gate.hold('switch');
      try {
        if (this.#mirror) {
          const screen = await this.#mirror.snapshot();
          if (!c.over) peer.stream.write(clearScreen(peer.rows) + screen);
        }
        if (c.over) return;
        this.#watchers.add(c);
        this.#client?.peer.notice(`${watcher} is watching this session`);
      } finally {
        this.#gate.release('switch');
      }
    });
    return c;
  }

  /** podgate ends the session (shutdown, maximum time): clients get `message`. */
  terminate(message: string): void {
    this.#endMessage ??= message;
    this.stopGrace();
    this.#o.exec.abort();
  }

  /** A line to the attached client, if any (the shutdown notice). */
  notify(message: string): void {
    this.#client?.peer.notice(message);
  }

  clientResized(c: Client, size: WindowSize): void {
    if (c !== this.#client || c.over) return;
    this.resizePty(size);
  }

  clientLeft(c: Client): void {
    if (c.over) return;
    if (c.watcher !== null) {
      this.dropWatcher(c, { kind: 'left' });
      return;
    }
    if (c !== this.#client) {
      c.end({ kind: 'left' }); // still switching in: attach() sees it and lets go
      return;
    }
    this.release(c, { kind: 'left' });
    this.afterClientLeft();
  }

  /**
   * The one path of every output byte: the screen mirror, the watchers, the attached client.
   * Pauses the exec's output while the attached client's window is full.
   */
  private deliverOutput(chunk: Buffer): void {
    this.bytesOut += chunk.length;
    this.activity();
    this.#o.tap?.output?.(chunk);
    // The attached client first: the mirror's parsing must not stand between a key and its echo.
    const c = this.#client;
    if (c && !c.peer.stream.write(chunk)) {
      this.#gate.hold('client');
      c.peer.stream.once('drain', this.clientDrained);
    }
    for (const w of this.#watchers) {
      if (!w.peer.stream.write(chunk) && w.peer.stream.writableLength > WATCHER_MAX_BUFFER) {
        this.dropWatcher(w, { kind: 'dropped', message: 'watch ended: your connection could not keep up with the session' });
      }
    }
    this.#mirror?.write(chunk); // never slows the session (a flood keeps only its tail)
  }

  private readonly clientDrained = (): void => this.#gate.release('client');

  private readonly countInput = (d: Buffer): void => {
    this.bytesIn += d.length;
    this.activity();
    this.#o.tap?.input?.(d);
  };

  private activity(): void {
    this.lastActivity = Date.now();
    this.#o.onActivity();
  }

  private connect(c: Client): void {
    const wasDetached = this.#detachedAt !== null;
    this.#client = c;
    this.#detachedAt = null;
    if (wasDetached) this.#o.onAttached?.();
    const stdin = this.#o.exec.stdin;
    c.peer.stream.on('data', this.countInput);
    // Under a TTY the client's EOF is not passed on (see exec-bridge.ts).
    if (stdin) c.peer.stream.pipe(stdin, { end: false });
    else c.peer.stream.resume();
  }

  /** Stops `c` being the attached client (output and input), and settles it with `why`. */
  private release(c: Client, why: AttachEnd): void {
    if (this.#client === c) {
      this.#client = null;
      const s = c.peer.stream;
      s.off('data', this.countInput);
      s.off('drain', this.clientDrained);
      if (this.#o.exec.stdin) s.unpipe(this.#o.exec.stdin);
      s.resume(); // whatever the gone client still sends is dropped
      this.#gate.release('client');
    }
    c.end(why);
  }

  /** Nobody is attached now: detach for the grace, or end the session. */
  private afterClientLeft(): void {
    if (this.#client || this.#over) return;
    if (!this.resumable) {
      this.#o.onAbandoned('client-closed');
      return;
    }
    this.#detachedAt = new Date();
    this.stopGrace();
    this.#grace = setTimeout(() => {
      this.#grace = null;
      if (!this.#client && !this.#over) this.#o.onAbandoned('detach-expired');
    }, this.#o.graceMs);
    this.#grace.unref();
    this.#o.onDetached();
  }

  private dropWatcher(w: Client, why: AttachEnd): void {
    if (!this.#watchers.delete(w)) {
      w.end(why);
      return;
    }
    w.end(why);
    this.#client?.peer.notice(`${w.watcher ?? 'a watcher'} stopped watching this session`);
  }

  private resizePty(size: WindowSize): void {
    if (size.cols < 1 || size.rows < 1) return;
    this.#mirror?.resize(size.cols, size.rows);
    if (size.cols === this.#size.cols && size.rows === this.#size.rows) return;
    this.#size.cols = size.cols;
    this.#size.rows = size.rows;
    this.#o.exec.resize(size);
    this.#o.tap?.resize?.({ cols: size.cols, rows: size.rows });
  }

  private serially(step: () => Promise<void>): void {
    this.#switching = this.#switching.then(step).catch(() => { /* a client that failed mid-switch is simply not attached */ });
  }

  private stopGrace(): void {
    if (this.#grace) clearTimeout(this.#grace);
    this.#grace = null;
  }

  private endOf(): AttachEnd {
    return this.#endMessage !== null ? { kind: 'ended', message: this.#endMessage } : { kind: 'exit', exitCode: this.#exitCode };
  }

  #exitCode: number | null = null;

  private finish(outcome: ExecOutcome): void {
    this.#over = true;
    this.#gate.close();
    this.stopGrace();
    this.#exitCode = 'exitCode' in outcome ? outcome.exitCode : null;
    const end = this.endOf();
    for (const w of [...this.#watchers]) this.dropWatcher(w, end.kind === 'exit' ? { kind: 'ended', message: 'the watched session ended' } : end);
    const c = this.#client;
    if (c) {
      // The exec ended: the client keeps the stream (its channel is finished by its owner).
      this.#client = null;
      c.peer.stream.off('data', this.countInput);
      c.peer.stream.off('drain', this.clientDrained);
      if (this.#o.exec.stdin) c.peer.stream.unpipe(this.#o.exec.stdin);
      c.end(end);
    }
    this.#mirror?.dispose();
  }
}
