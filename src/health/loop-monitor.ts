/**
 * Event-loop lag for /healthz: a timer every `sampleMs` measures how late it fires. When the
 * lag of the last sample is above `maxLagMs`, the process counts as wedged (EVENT_LOOP_STALLED
 * is emitted) and /healthz fails, so the kubelet restarts it. After a stall the timer phase
 * runs before the health request is read, so the request sees the stall it waited behind.
 */
import type { Logger } from 'pino';
import { emit } from '../events/emit.ts';

export interface LoopMonitor {
  /** The lag of the last sample, in ms. */
  lagMs(): number;
  healthy(): boolean;
  stop(): void;
}

export function startLoopMonitor(opts: { maxLagMs: number; sampleMs?: number; logger: Logger }): LoopMonitor {
  const sampleMs = opts.sampleMs ?? Math.max(10, Math.min(500, Math.floor(opts.maxLagMs / 4)));
  let lag = 0;
  let expected = performance.now() + sampleMs;
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(0, now - expected);
    expected = now + sampleMs;
    if (lag > opts.maxLagMs) emit(opts.logger, { code: 'EVENT_LOOP_STALLED', lagMs: Math.round(lag), maxMs: opts.maxLagMs }, 'event loop stalled');
  }, sampleMs);
  timer.unref();
  return {
    lagMs: () => lag,
    healthy: () => lag <= opts.maxLagMs,
    stop: () => clearInterval(timer),
  };
}
