/**
 * The Kubernetes version the emulator reports on /version, and the behaviours that follow it.
 * Only what podgate and kubectl can observe is modelled: from 1.35 the API server authorizes a
 * WebSocket upgrade of pods/exec, attach and portforward (a GET) as `create` too (feature gate
 * AuthorizePodWebsocketUpgradeCreatePermission, on by default); before, a GET needs only `get`
 * and a SPDY upgrade (a POST) only `create`.
 */
export interface ServerVersion {
  major: number;
  minor: number;
  patch: number;
}

export const DEFAULT_SERVER_VERSION = 'v1.33.4';

export function parseServerVersion(text: string): ServerVersion {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`server version must look like 1.35 or v1.33.4, got "${text}"`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** Whether a WebSocket (GET) upgrade of a pod stream subresource also needs `create`. */
export function websocketUpgradeNeedsCreate(v: ServerVersion): boolean {
  return v.major > 1 || v.minor >= 35;
}

/** The /version document (version.Info), as a kube-apiserver of that version answers it. */
export function versionInfo(v: ServerVersion): Record<string, string> {
  const minor = String(v.minor);
  return {
    major: String(v.major), minor, emulationMajor: String(v.major), emulationMinor: minor,
    minCompatibilityMajor: String(v.major), minCompatibilityMinor: String(Math.max(0, v.minor - 1)),
    gitVersion: `v${v.major}.${v.minor}.${v.patch}`, gitCommit: '74cdb426ffa0bdff2be42c8e4a4e3f5b2c1e7d0a', gitTreeState: 'clean',
    buildDate: '2025-08-12T18:30:00Z', goVersion: v.minor >= 35 ? 'go1.25.5' : 'go1.24.5', compiler: 'gc', platform: 'linux/amd64',
  };
}
