import { describe, expect, it } from 'vitest';
import type { AccessCheck, Identity, KubeApi, ServerVersion } from '../kube/types.ts';
import { checkStreamAccess } from './access.ts';
import { grantWord, streamGrant, upgradeNeedsCreate } from './stream-grants.ts';

const erin: Identity = { user: 'erin', groups: [] };

function kube(verbs: string[], version: ServerVersion | Error | null): Pick<KubeApi, 'canI' | 'serverVersion'> {
  return {
    canI: async (_id: Identity, c: AccessCheck) => ({ allowed: verbs.includes(`${c.verb} pods/${c.subresource}`) }),
    ...(version === null ? {} : { serverVersion: async () => { if (version instanceof Error) throw version; return version; } }),
  };
}
const v133: ServerVersion = { major: 1, minor: 33, gitVersion: 'v1.33.4' };
const v135: ServerVersion = { major: 1, minor: 35, gitVersion: 'v1.35.0' };

describe('stream grants', () => {
  it('needs create on WebSocket upgrades from 1.35 only, and is unsure without a version', () => {
    expect(upgradeNeedsCreate(v133)).toBe(false);
    expect(upgradeNeedsCreate(v135)).toBe(true);
    expect(upgradeNeedsCreate({ major: 2, minor: 0, gitVersion: 'v2.0.0' })).toBe(true);
    expect(upgradeNeedsCreate(null)).toBeNull();
  });

  it('names the missing get for a create-only Role on every version', async () => {
    for (const v of [v133, v135, null]) {
      const g = await streamGrant(kube(['create pods/exec'], v), erin, 'prod', 'exec');
      expect(g).toMatchObject({ allowed: false, get: false, create: true });
      expect(g.gap).toBe('RBAC grants create but not get on pods/exec in prod; podgate needs both: add "get"');
      expect(grantWord(g)).toBe('no (add get)');
    }
  });

  it('lets a get-only Role through where the WebSocket upgrade needs only get, or the version is unknown', async () => {
    expect((await streamGrant(kube(['get pods/exec'], v133), erin, 'prod', 'exec')).allowed).toBe(true);
    expect((await streamGrant(kube(['get pods/exec'], null), erin, 'prod', 'exec')).allowed).toBe(true);
    expect((await streamGrant(kube(['get pods/exec'], new Error('down')), erin, 'prod', 'exec')).allowed).toBe(true);
    const g = await streamGrant(kube(['get pods/portforward'], v135), erin, 'prod', 'portforward');
    expect(g.gap).toBe('RBAC grants get but not create on pods/portforward in prod; Kubernetes v1.35.0 needs both for WebSocket streams: add "create"');
    expect(grantWord(g)).toBe('no (add create)');
  });

  it('asks only get for logs, and keeps the plain refusal when nothing is granted', async () => {
    expect(grantWord(await streamGrant(kube(['get pods/log'], v135), erin, 'prod', 'log'))).toBe('yes');
    await expect(checkStreamAccess(kube([], v135), erin, 'prod', 'exec')).rejects.toMatchObject({
      code: 'FORBIDDEN', userMessage: 'erin may not exec into pods in namespace "prod"',
    });
    await expect(checkStreamAccess(kube(['create pods/exec'], v135), erin, 'prod', 'exec')).rejects.toMatchObject({
      code: 'FORBIDDEN', userMessage: 'RBAC grants create but not get on pods/exec in prod; podgate needs both: add "get"',
    });
  });
});
