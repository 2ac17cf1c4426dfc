/**
 * Aggregated discovery (apidiscovery.k8s.io/v2, GA in 1.30): /api and /apis answer with every
 * group, version and resource at once when the client's Accept asks for APIGroupDiscoveryList,
 * as kubectl 1.26+ does. Legacy discovery (discovery.ts) stays for everyone else.
 */
import { RESOURCES, groupVersions, verbsOf } from './resources.ts';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((a) => {
    const parts = a.split(';').map((p) => p.trim());
    return parts.includes('g=apidiscovery.k8s.io') && parts.includes('v=v2') && parts.includes('as=APIGroupDiscoveryList');
  });
}

function groupItem(group: string): Record<string, unknown> {
  const versions = groupVersions().filter((g) => g.group === group).map(({ version }) => ({
    version,
    resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
      resource: r.resource,
      responseKind: { group, version, kind: r.kind },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singular,
      verbs: verbsOf(r),
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      ...(r.subresources ? { subresources: r.subresources.map((s) => ({ subresource: s.name, responseKind: { group, version, kind: s.kind }, verbs: s.verbs })) } : {}),
    })),
    freshness: 'Current',
  }));
  return { metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null }, versions };
}

/** The APIGroupDiscoveryList for /api (core) or /apis (named groups). */
export function aggregatedDiscovery(core: boolean): Record<string, unknown> {
  const groups = core ? [''] : [...new Set(groupVersions().map((g) => g.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: groups.map(groupItem) };
}
