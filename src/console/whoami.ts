/** `whoami`: the SSH user, the Kubernetes identity podgate acts as, and the namespaces whose pods the user may enter. */
import { PodgateError } from '../errors/index.ts';
import type { UserContext } from '../session/extensions.ts';
import { checkStreamAccess } from '../target/access.ts';
import { candidateNamespaces, defaultNamespaceOf } from './namespaces.ts';

export interface WhoAmI {
  user: string;
  identity: { user: string; groups: string[] };
  defaultNamespace: string;
  namespaces: string[];
}

/** Namespaces where the user may exec into pods: one access review (create+get) per namespace. */
export async function execNamespaces(ctx: UserContext): Promise<string[]> {
  const candidates = await candidateNamespaces(ctx);
  const ok = await Promise.all(candidates.map(async (ns) => {
    try {
      await checkStreamAccess(ctx.kube, ctx.identity, ns, 'exec');
      return true;
    } catch (e) {
      if (e instanceof PodgateError && e.code === 'FORBIDDEN') return false;
      throw e;
    }
  }));
  return candidates.filter((_, i) => ok[i]).sort();
}

export async function whoami(ctx: UserContext): Promise<WhoAmI> {
  return {
    user: ctx.user.name,
    identity: { user: ctx.identity.user, groups: [...ctx.identity.groups] },
    defaultNamespace: defaultNamespaceOf(ctx),
    namespaces: await execNamespaces(ctx),
  };
}

export function formatWhoAmI(w: WhoAmI, eol: string): string {
  const groups = w.identity.groups.length > 0 ? w.identity.groups.join(', ') : '(none)';
  return [
    `ssh user:           ${w.user}`,
    `kubernetes user:    ${w.identity.user}`,
    `kubernetes groups:  ${groups}`,
    `default namespace:  ${w.defaultNamespace}`,
    `allowed namespaces: ${w.namespaces.length > 0 ? w.namespaces.join(', ') : '(none)'}`,
  ].join(eol) + eol;
}
