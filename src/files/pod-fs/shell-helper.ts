import { randomBytes } from 'node:crypto';
import type { ExecSession } from '../../kube/types.ts';
import { STATUS } from '../sftp/constants.ts';
import { FsError } from './fs-error.ts';
import { shLine } from './shell-quote.ts';

export interface HelperReply {
  /** Exit status of the op. */
  rc: number;
  /** The op's stdout as a binary (latin1) string. */
  out: string;
  /** The op's stderr (binary string). */
  err: string;
}

interface Pending {
  token: string;
  resolve: (r: HelperReply) => void;
  reject: (e: FsError) => void;
}

/**
 * Client of the long-lived helper shell (HELPER_SCRIPT): requests are pipelined, one line each,
 * and answered in order, so one exec serves every metadata op of an SFTP session.
 */
export class ShellHelper {
  readonly #exec: ExecSession;
  readonly #pending: Pending[] = [];
  #buf = '';
  #dead: FsError | null = null;

  constructor(exec: ExecSession) {
    this.#exec = exec;
    exec.stdout.on('data', (c: Buffer) => { this.#onData(c.toString('latin1')); });
    exec.stdout.on('error', () => { /* done reports it */ });
    exec.stdin?.on('error', () => { /* done reports it */ });
    exec.stderr?.resume();
    exec.stderr?.on('error', () => { /* ignored: the helper's own stderr is not a reply */ });
    void exec.done.then((outcome) => {
      const why = 'error' in outcome ? outcome.error.userMessage : `helper shell exited (${outcome.exitCode})`;
      this.#fail(new FsError(STATUS.FAILURE, why));
    });
  }

  /** Runs `op` with `args` in the container; resolves with its reply, rejects only if the helper died. */
  call(op: string, args: ReadonlyArray<string | number | undefined> = [], payload?: Buffer): Promise<HelperReply> {
    if (this.#dead !== null) return Promise.reject(this.#dead);
    const stdin = this.#exec.stdin;
    if (stdin === null) return Promise.reject(new FsError(STATUS.FAILURE, 'helper has no stdin'));
    const token = randomBytes(9).toString('hex');
    // Quote first: an argument that cannot be sent (a NUL byte in a client's path) must be
    // refused before it takes a place in the reply queue. Queued and never written, it would
    // hold the head of the queue forever: every later reply of the session would wait behind
    // it (the session's file layer hangs) and pile up in #buf.
    let line: Buffer;
    try {
      line = Buffer.from(shLine(['run', token, `op_${op}`, ...args.map((a) => a ?? '')]), 'latin1');
    } catch (e) {
      return Promise.reject(new FsError(STATUS.BAD_MESSAGE, e instanceof RangeError ? 'NUL byte in a path' : String(e)));
    }
    return new Promise<HelperReply>((resolve, reject) => {
      this.#pending.push({ token, resolve, reject });
      stdin.write(line);
      // Raw bytes the op reads itself (op_put); written right after its line, nothing between.
      if (payload !== undefined && payload.length > 0) stdin.write(payload);
    });
  }

  /** Ends the helper (stdin EOF ends its read loop). */
  close(): void {
    this.#exec.stdin?.end();
    this.#fail(new FsError(STATUS.FAILURE, 'helper closed'));
  }

  #onData(text: string): void {
    this.#buf += text;
    for (;;) {
      const head = this.#pending[0];
      if (head === undefined) { this.#buf = ''; return; }
      const endMark = `\n\x01E${head.token}\n`;
      const end = this.#buf.indexOf(endMark);
      if (end < 0) return;
      const statusMark = `\n\x01T${head.token} `;
      const mid = this.#buf.lastIndexOf(statusMark, end);
      const reply = this.#buf.slice(0, end);
      this.#buf = this.#buf.slice(end + endMark.length);
      this.#pending.shift();
      if (mid < 0) { head.reject(new FsError(STATUS.FAILURE, 'garbled helper reply')); continue; }
      const rest = reply.slice(mid + statusMark.length);
      const nl = rest.indexOf('\n');
      head.resolve({ out: reply.slice(0, mid), rc: Number(rest.slice(0, nl)), err: rest.slice(nl + 1) });
    }
  }

  #fail(err: FsError): void {
    if (this.#dead === null) this.#dead = err;
    for (const p of this.#pending.splice(0)) p.reject(err);
  }
}
