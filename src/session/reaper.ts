import type { Logger } from 'pino';
import type { PodExecutor } from '../kube/types.ts';
import type { JournalEntry, ReapReport, ReapTarget, SessionReaper } from './reaper-types.ts';
import { WRAP_SCRIPT } from './reap-wrap-script.ts';
import { parseReapOutput, type ReapOutput } from './reap-output.ts';
import { ReapJournal } from './reap-journal.ts';
import { runReapScript, type ReapRun } from './reap-run.ts';

export interface ReaperOptions {
  /** Opens the second exec that ends a session (as the session's identity). */
  executor: PodExecutor;
  /** Where the journal of live sessions lives; must survive a podgate restart. */
  stateDir: string;
  /** Milliseconds between TERM and KILL. */
  graceMs: number;
  logger: Logger;
  /** Upper bound on one reap exec beyond the grace period (default 20 s). */
  slackMs?: number;
  /** How long a reap waits for a just-started session to write its marker (default 3000). */
  markerWaitMs?: number;
  /** Tries per reap when the exec fails for a transient reason (default 3; 0.5 s, 1 s apart). */
  attempts?: number;
  /** Journaled sessions reaped at once by recover() (default 8). */
  recoverConcurrency?: number;
}

const SESSION_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Failures after which a journaled session is kept for the next recover(): the API may come back. */
const TRANSIENT = new Set(['API_UNREACHABLE', 'API_TIMEOUT']);
/** Failures of the reap exec worth another try at once (a loaded API server, a dropped stream). */
const RETRIABLE = new Set(['API_UNREACHABLE', 'API_TIMEOUT', 'API_ERROR', 'INTERNAL']);

import { noShellError } from './reap-no-shell.ts';
import { emit } from '../events/emit.ts';

export { noShellError };

export function createReaper(opts: ReaperOptions): SessionReaper {
  const log = opts.logger.bindings()['module'] === undefined ? opts.logger.child({ module: 'reaper' }) : opts.logger;
  const journal = new ReapJournal(opts.stateDir);
  /** Sessions this podgate tracks: recover() must never reap a live one of its own. */
  const mine = new Set<string>();
  const slackMs = opts.slackMs ?? 20_000;

  async function attempt(target: ReapTarget, sessionId: string): Promise<{ run: ReapRun; parsed: ReapOutput }> {
    const markerWaitMs = opts.markerWaitMs ?? 3000;
    const run = await runReapScript(opts.executor, target, sessionId, {
      graceMs: opts.graceMs,
      markerWaitMs,
      timeoutMs: opts.graceMs + markerWaitMs + slackMs,
    });
    return { run, parsed: parseReapOutput(run.stdout) };
  }

  async function reapOnce(target: ReapTarget, sessionId: string, reason: string): Promise<{ report: ReapReport; errorCode?: string }> {
    const started = performance.now();
    const attempts = Math.max(1, opts.attempts ?? 3);
    let tries = 0;
    let run: ReapRun;
    let parsed: ReapOutput;
    for (;;) {
      ({ run, parsed } = await attempt(target, sessionId));
      tries++;
      // The script is safe to run again: a run that lost its stream still finishes in the
      // container, and a second one then finds the marker gone.
      const noShell = noShellError(run.outcome, target);
      if (noShell) run = { ...run, outcome: { error: noShell } };
      const retry = parsed.outcome === null && 'error' in run.outcome && RETRIABLE.has(run.outcome.error.code);
      if (!retry || tries >= attempts) break;
      await new Promise((r) => setTimeout(r, 500 * 2 ** (tries - 1)));
    }
    const durationMs = Math.round(performance.now() - started);
    const report: ReapReport = { sessionId, found: parsed.found, outcome: parsed.outcome ?? 'failed', durationMs };
    let errorCode: string | undefined;
    if ('error' in run.outcome) {
      errorCode = run.outcome.error.code;
      if (parsed.outcome === null) report.error = `${errorCode}: ${run.outcome.error.operatorMessage}`;
    } else if (parsed.outcome === null) {
      report.error = parsed.error ?? `reap script exited ${run.outcome.exitCode}: ${run.stderr.trim().slice(0, 300)}`;
    }
    if (parsed.outcome !== null && parsed.left > 0) {
      report.outcome = 'failed';
      report.error = `${parsed.left} process(es) still alive after KILL`;
    }
    const event = {
      code: 'REAP' as const,
      sessionId,
      ...(target.cluster === undefined ? {} : { cluster: target.cluster }),
      namespace: target.namespace,
      pod: target.pod,
      container: target.container,
      found: report.found.length,
      pids: report.found.map((p) => p.pid),
      outcome: report.outcome,
      durationMs,
      reason,
      ...(tries > 1 ? { attempts: tries } : {}),
      ...(parsed.marker !== 'found' ? { marker: parsed.marker } : {}),
      ...(report.error ? { error: report.error } : {}),
    };
    emit(log, event, report.outcome === 'failed' ? 'session reap failed' : 'session reaped');
    return errorCode === undefined ? { report } : { report, errorCode };
  }

  return {
    wrap(sessionId, command, tty) {
      checkId(sessionId);
      const mode = (command === null ? 'l' : 'c') + (tty ? 't' : '');
      return ['/bin/sh', '-c', WRAP_SCRIPT, 'sh', sessionId, mode, command ?? ''];
    },

    async reap(target, sessionId, reason) {
      checkId(sessionId);
      return (await reapOnce(target, sessionId, reason)).report;
    },

    async track(target, sessionId, user) {
      checkId(sessionId);
      mine.add(sessionId);
      await journal.add(sessionId, target, user);
    },

    async untrack(sessionId) {
      checkId(sessionId);
      await journal.remove(sessionId);
      mine.delete(sessionId);
    },

    async recover(trust) {
      const entries: JournalEntry[] = [];
      for (const e of await journal.list()) {
        if (mine.has(e.sessionId)) continue;
        const distrust = trust ? trust(e) : null;
        if (distrust === null) {
          entries.push(e);
          continue;
        }
        emit(log, { code: 'JOURNAL_ENTRY_REJECTED', sessionId: e.sessionId, user: e.user ?? null, namespace: e.target.namespace, pod: e.target.pod, reason: distrust }, 'journal entry not trusted under the current config; not reaped');
        await journal.remove(e.sessionId).catch(() => undefined);
      }
      const reports: ReapReport[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < entries.length) {
          const entry = entries[next++];
          if (!SESSION_ID.test(entry.sessionId)) {
            await journal.remove(entry.sessionId).catch(() => undefined);
            continue;
          }
          const { report, errorCode } = await reapOnce(entry.target, entry.sessionId, 'recover');
          reports.push(report);
          const keep = report.outcome === 'failed' && errorCode !== undefined && TRANSIENT.has(errorCode);
          if (!keep) await journal.remove(entry.sessionId);
        }
      };
      const n = Math.max(1, Math.min(opts.recoverConcurrency ?? 8, entries.length));
      await Promise.all(Array.from({ length: n }, worker));
      if (entries.length > 0) log.info({ sessions: entries.length, reaped: reports.length }, 'journaled sessions reaped');
      return reports;
    },
  };
}

function checkId(sessionId: string): void {
  if (!SESSION_ID.test(sessionId)) throw new TypeError(`session id must match ${SESSION_ID}: ${JSON.stringify(sessionId)}`);
}
