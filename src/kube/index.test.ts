import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PodgateError } from '../errors/index.ts';
import { createKubeApi } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'podgate-kc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kc = join(dir, 'config');
writeFileSync(kc, `apiVersion: v1
kind: Config
current-context: one
clusters:
- {name: a, cluster: {server: "https://127.0.0.1:6443"}}
- {name: b, cluster: {server: "https://10.0.0.2:443/k8s/clusters/c-1"}}
users: [{name: u, user: {token: t}}]
contexts:
- {name: one, context: {cluster: a, user: u}}
- {name: two, context: {cluster: b, user: u}}
`);

function thrown(fn: () => unknown): PodgateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PodgateError) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

describe('createKubeApi', () => {
  it('uses the current context, or the one named', () => {
    expect(createKubeApi({ kubeconfig: kc, requestTimeoutMs: 1000 }).server).toBe('https://127.0.0.1:6443');
    expect(createKubeApi({ kubeconfig: kc, context: 'two', requestTimeoutMs: 1000 }).server).toBe('https://10.0.0.2:443/k8s/clusters/c-1');
  });

  it('falls back to $KUBECONFIG without a kubeconfig path', () => {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kc;
    try {
      expect(createKubeApi({ requestTimeoutMs: 1000 }).server).toBe('https://127.0.0.1:6443');
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it('fails at startup with CONFIG_INVALID for a missing file or an unknown context', () => {
    const missing = thrown(() => createKubeApi({ kubeconfig: join(dir, 'nope'), requestTimeoutMs: 1000 }));
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.userMessage).toContain('cannot load the kubeconfig');
    const ctx = thrown(() => createKubeApi({ kubeconfig: kc, context: 'three', requestTimeoutMs: 1000 }));
    expect(ctx.code).toBe('CONFIG_INVALID');
    expect(ctx.userMessage).toContain('context "three" not found');
  });
});
