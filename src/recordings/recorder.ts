/**
 * Records PTY sessions when `recordings.dir` is set: one asciicast v2 file per session,
 * `<dir>/<sessionId>.cast`, with a header asciinema reads (version, size, timestamp, env,
 * title, command) and podgate's own fields under `podgate` (who, where, as which Kubernetes
 * identity), which asciinema ignores and `play` uses to find the owner. The session layer calls
 * `start` once its exec is open and feeds the returned SessionRecording; everything else about
 * recordings lives in this folder.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RecordingsConfig } from '../config/types.ts';
import { emit } from '../events/emit.ts';
import type { Identity } from '../kube/types.ts';
import { CastWriter } from './cast-writer.ts';

/** What `play` reads back from a header's `podgate` field. */
interface RecordingMeta {
  sessionId: string;
  user: string;
  identity: Identity;
  namespace: string;
  pod: string;
  container: string;
  command: string | null;
}

export interface RecordingStart extends RecordingMeta {
  cols: number;
  rows: number;
  term: string;
  config: RecordingsConfig;
  logger: Logger;
}

/** The hooks a recorded session calls: what went to the client, what it typed, resizes, the end. */
export interface SessionRecording {
  output(chunk: Buffer): void;
  input(chunk: Buffer): void;
  resize(cols: number, rows: number): void;
  /** Flushes, syncs and closes the file; never rejects. */
  close(): Promise<void>;
}

/** The `SHELL` a header names: commands run under /bin/sh, shells are bash when the image has it. */
const shellOf = (command: string | null) => (command === null ? 'bash -l, else sh -l' : '/bin/sh');

function castHeader(s: RecordingStart, timestamp: number): Record<string, unknown> {
  const meta: RecordingMeta = { sessionId: s.sessionId, user: s.user, identity: s.identity, namespace: s.namespace, pod: s.pod, container: s.container, command: s.command };
  return {
    version: 2,
    // A client without a terminal (`ssh -tt` from a script) may give 0x0: asciinema needs a size.
    width: s.cols > 0 ? s.cols : 80,
    height: s.rows > 0 ? s.rows : 24,
    timestamp,
    ...(s.command === null ? {} : { command: s.command }),
    title: `${s.user}+${s.pod}.${s.namespace}+${s.container}`,
    env: { TERM: s.term, SHELL: shellOf(s.command) },
    podgate: meta,
  };
}

export class Recorder {
  /** Files being written, which retention must leave alone. */
  readonly #active = new Set<string>();
  readonly #dirs = new Map<string, Promise<void>>();
  /** Recordings being closed (flushed, synced), so a shutdown can wait for them. */
  readonly #closing = new Set<Promise<void>>();

  /** Starts recording a session; null when recordings are off. */
  start(s: RecordingStart): SessionRecording | null {
    const dir = s.config.dir;
    if (dir === undefined) return null;
    const path = join(dir, `${s.sessionId}.cast`);
    const log = s.logger;
    const base = { sessionId: s.sessionId, path };
    this.#active.add(path);
    const writer = new CastWriter({
      path,
      header: castHeader(s, Math.floor(Date.now() / 1000)),
      ready: this.#ensureDir(dir),
      onDrop: (pendingBytes) => emit(log, { code: 'RECORDING_DROPPED', ...base, pendingBytes }, 'recording drops events: the disk does not keep up'),
      onError: (err) => emit(log, { code: 'RECORDING_FAILED', ...base, err: err.message }, 'recording failed'),
    });
    emit(log, { code: 'RECORDING_START', ...base, user: s.user, input: s.config.input }, 'recording started');
    const input = s.config.input;
    return {
      output: (chunk) => writer.output(chunk),
      input: input ? (chunk) => writer.input(chunk) : () => undefined,
      resize: (cols, rows) => writer.resize(cols, rows),
      close: () => {
        const closing = writer.close().then((stats) => {
          this.#active.delete(path);
          emit(log, { code: 'RECORDING_END', ...base, ...stats }, 'recording ended');
        });
        this.#closing.add(closing);
        void closing.finally(() => this.#closing.delete(closing));
        return closing;
      },
    };
  }

  /** Resolves once every recording that was closing is on disk (shutdown). */
  async idle(): Promise<void> {
    while (this.#closing.size > 0) await Promise.all(this.#closing);
  }

  /** The recordings being written now. */
  inUse(): ReadonlySet<string> {
    return this.#active;
  }

  /** Creates the directory 0700 (once per directory and process; a failure is tried again). */
  #ensureDir(dir: string): Promise<void> {
    let made = this.#dirs.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true, mode: 0o700 }).then(() => chmod(dir, 0o700));
      made.catch(() => this.#dirs.delete(dir));
      this.#dirs.set(dir, made);
    }
    return made;
  }
}
