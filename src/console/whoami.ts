/** `whoami`: the SSH user, the Kubernetes identity podgate acts as, and the namespaces whose pods the user may enter. */
import type { UserContext } from '../session/extensions.ts';
import { defaultNamespaceOf, execNamespaces } from './namespaces.ts';

export interface WhoAmI {
  user: string;
  identity: { user: string; groups: string[] };
  defaultNamespace: string;
  namespaces: string[];
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
