/**
 * Readiness as a subscriber of the event bus: this replica can serve now when its config is
 * valid and loaded, its host keys are loaded and the SSH listener is up (SERVER_LISTENING), it
 * is not draining (SIGNAL/SHUTDOWN), and the last Kubernetes API probe of the default cluster
 * succeeded (API_PROBE; other clusters show in the metrics only, docs/clusters.md).
 * A refused config reload (CONFIG_RELOAD_FAILED) keeps the old, valid config: still ready.
 */
import type { EventBus } from '../events/bus.ts';

interface ReadinessState {
  ready: boolean;
  /** Why not, one text per unmet condition (empty when ready). */
  reasons: string[];
}

export interface Readiness {
  state(): ReadinessState;
  dispose(): void;
}

export function createReadiness(bus: EventBus, opts: { probeApi: boolean }): Readiness {
  let listening = false;
  let draining = false;
  let api: boolean | null = opts.probeApi ? null : true;
  let apiError = '';
  const dispose = bus.subscribe(({ event }) => {
    switch (event.code) {
      case 'SERVER_LISTENING':
        listening = true;
        break;
      case 'SIGNAL':
      case 'SHUTDOWN':
        draining = true;
        break;
      case 'API_PROBE':
        // Several clusters (docs/clusters.md): ready while the default one is reachable.
        if (event.isDefault === false) break;
        api = event.ok === true;
        apiError = typeof event.message === 'string' ? event.message : '';
        break;
      default:
        break;
    }
  });
  return {
    state() {
      const reasons: string[] = [];
      if (draining) reasons.push('shutting down');
      if (!listening) reasons.push('SSH listener not up (config and host keys not loaded yet)');
      if (api === null) reasons.push('Kubernetes API not probed yet');
      else if (!api) reasons.push(`Kubernetes API unreachable${apiError ? `: ${apiError}` : ''}`);
      return { ready: reasons.length === 0, reasons };
    },
    dispose,
  };
}
