/**
 * The Kubernetes API probe behind /readyz: every `intervalMs`, GET /version with podgate's own
 * credentials (cheap, allowed to every authenticated identity). It emits API_PROBE when the
 * state changes (and on the first result), so readiness and the `podgate_api_up` metric follow
 * the API itself, not the luck of the last user's session, and recover within one interval.
 */
import type { Logger } from 'pino';
import { emit } from '../events/emit.ts';
import { toPodgateError } from '../errors/index.ts';

export interface ApiProbeOptions {
  probe: () => Promise<void>;
  intervalMs: number;
  logger: Logger;
  /** With several clusters (docs/clusters.md): which one, in every API_PROBE event. */
  cluster?: { name: string; isDefault: boolean };
}

export interface ApiProbe {
  /** Settles after the first probe has reported (either way). */
  readonly first: Promise<void>;
  stop(): void;
}

export function startApiProbe(opts: ApiProbeOptions): ApiProbe {
  let last: boolean | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let settleFirst: () => void = () => undefined;
  const first = new Promise<void>((r) => (settleFirst = r));

  const report = (ok: boolean, latencyMs: number, err?: unknown): void => {
    if (stopped) return;
    if (ok !== last) {
      const e = err === undefined ? null : toPodgateError(err);
      const which = opts.cluster ? { cluster: opts.cluster.name, isDefault: opts.cluster.isDefault } : {};
      emit(opts.logger, { code: 'API_PROBE', ok, latencyMs, ...which, ...(e ? { errorCode: e.code, message: e.operatorMessage } : {}) }, ok ? 'Kubernetes API reachable' : 'Kubernetes API unreachable');
      last = ok;
    }
    settleFirst();
  };

  const run = (): void => {
    const started = performance.now();
    opts.probe().then(
      () => report(true, Math.round(performance.now() - started)),
      (err: unknown) => report(false, Math.round(performance.now() - started), err),
    ).finally(() => {
      if (stopped) return;
      timer = setTimeout(run, opts.intervalMs);
      timer.unref();
    });
  };
  run();

  return {
    first,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
