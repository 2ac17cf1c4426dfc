/** Writes a kubeconfig for the emulator: server URL, CA data, bearer token. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KubeconfigOptions } from './types.ts';

function kubeconfigText(url: string, caPem: string | null, o: KubeconfigOptions): string {
  const name = o.context ?? 'emulator';
  const cluster: Record<string, unknown> = { server: url };
  if (caPem !== null) cluster['certificate-authority-data'] = Buffer.from(caPem).toString('base64');
  const user: Record<string, unknown> = { token: o.token };
  if (o.as !== undefined) user.as = o.as;
  const context: Record<string, unknown> = { cluster: name, user: name };
  if (o.namespace !== undefined) context.namespace = o.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, url: string, caPem: string | null, o: KubeconfigOptions): void {
  writeFileSync(path, kubeconfigText(url, caPem, o), { mode: 0o600 });
}
