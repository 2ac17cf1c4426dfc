/**
 * `whoami`: the SSH user, the Kubernetes identity podgate acts as, the namespaces whose pods
 * the user may enter, and per candidate namespace what the cluster grants for each stream
 * podgate opens (exec, port-forward, logs), so a platform team can check a new user's RBAC in
 * one command. A missing verb is named ("no (add get)"), as the refusal itself would name it.
 */
import type { UserContext } from '../session/extensions.ts';
import { grantWord, streamGrant, type StreamSubresource } from '../target/stream-grants.ts';
import { candidateNamespaces, defaultNamespaceOf } from './namespaces.ts';
import { formatTable } from './table.ts';

interface NamespaceGrants {
  namespace: string;
  exec: string;
  portforward: string;
  log: string;
}

export interface WhoAmI {
  /** Set when listed across clusters (docs/clusters.md). */
  cluster?: string;
  user: string;
  identity: { user: string; groups: string[] };
  defaultNamespace: string;
  namespaces: string[];
  grants: NamespaceGrants[];
}

const SUBRESOURCES: StreamSubresource[] = ['exec', 'portforward', 'log'];

export async function whoami(ctx: UserContext): Promise<WhoAmI> {
  const candidates = await candidateNamespaces(ctx);
  const grants = await Promise.all(candidates.map(async (namespace) => {
    const [exec, portforward, log] = await Promise.all(SUBRESOURCES.map((s) => streamGrant(ctx.kube, ctx.identity, namespace, s)));
    return { namespace, exec: exec, portforward: portforward, log: log };
  }));
  const forwardingOff = !ctx.user.allow.forwarding;
  return {
    user: ctx.user.name,
    identity: { user: ctx.identity.user, groups: [...ctx.identity.groups] },
    defaultNamespace: defaultNamespaceOf(ctx),
    namespaces: grants.filter((g) => g.exec.allowed).map((g) => g.namespace).sort(),
    // Namespaces where the cluster grants nothing at all are left out of the table.
    grants: grants
      .filter((g) => [g.exec, g.portforward, g.log].some((x) => x.get || x.create))
      .sort((a, b) => a.namespace.localeCompare(b.namespace))
      .map((g) => ({
        namespace: g.namespace,
        exec: grantWord(g.exec),
        portforward: forwardingOff && g.portforward.allowed ? 'off (config)' : grantWord(g.portforward),
        log: grantWord(g.log),
      })),
  };
}

/** Who the user is (the first lines of `whoami`), then one `allowed namespaces` line per entry. */
export function whoamiHead(w: WhoAmI, allowed: string[], eol: string): string {
  const groups = w.identity.groups.length > 0 ? w.identity.groups.join(', ') : '(none)';
  return [
    `ssh user:           ${w.user}`,
    `kubernetes user:    ${w.identity.user}`,
    `kubernetes groups:  ${groups}`,
    `default namespace:  ${w.defaultNamespace}`,
    ...allowed.map((a) => `allowed namespaces: ${a}`),
  ].join(eol) + eol;
}

export const namespaceList = (namespaces: string[]): string => (namespaces.length > 0 ? namespaces.join(', ') : '(none)');

export function formatWhoAmI(w: WhoAmI, eol: string): string {
  const head = whoamiHead(w, [namespaceList(w.namespaces)], eol);
  if (w.grants.length === 0) return head;
  const rows = w.grants.map((g) => [g.namespace, g.exec, g.portforward, g.log]);
  return head + eol + formatTable(['NAMESPACE', 'EXEC', 'PORT-FORWARD', 'LOGS'], rows, eol);
}
