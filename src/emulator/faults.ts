/** Test-only fault injection state: latency, failing the next N requests, refusing connections. */
import type { FaultOptions } from './types.ts';
import type { Status } from './status.ts';
import { generic } from './status.ts';

export class Faults {
  latencyMs = 0;
  refuse = false;
  private refuseTimer: NodeJS.Timeout | null = null;
  private fail: { count: number; status: number; pattern: RegExp | null; message?: string } | null = null;

  /** Applies options; fields left out keep their current value. */
  set(f: FaultOptions, setDropExec: (ms: number) => void): void {
    if (f.latencyMs !== undefined) this.latencyMs = Math.max(0, f.latencyMs);
    if (f.failNext !== undefined) {
      this.fail = f.failNext.count > 0
        ? { count: f.failNext.count, status: f.failNext.status, pattern: f.failNext.pathPattern ? new RegExp(f.failNext.pathPattern) : null, message: f.failNext.message }
        : null;
    }
    if (f.dropExecAfterMs !== undefined) setDropExec(Math.max(0, f.dropExecAfterMs));
    if (f.refuseConnections !== undefined) {
      this.refuse = f.refuseConnections;
      if (this.refuseTimer) { clearTimeout(this.refuseTimer); this.refuseTimer = null; }
      if (this.refuse && f.refuseConnectionsMs !== undefined && f.refuseConnectionsMs > 0) {
        this.refuseTimer = setTimeout(() => { this.refuse = false; this.refuseTimer = null; }, f.refuseConnectionsMs);
        this.refuseTimer.unref();
      }
    }
  }

  /** The Status to fail this request with, consuming one of the N, or null. */
  take(path: string): Status | null {
    const f = this.fail;
    if (!f || (f.pattern && !f.pattern.test(path))) return null;
    f.count--;
    if (f.count <= 0) this.fail = null;
    return generic(f.status, f.message);
  }

  clear(): void {
    if (this.refuseTimer) clearTimeout(this.refuseTimer);
    this.refuseTimer = null;
    this.refuse = false;
    this.fail = null;
    this.latencyMs = 0;
  }
}
