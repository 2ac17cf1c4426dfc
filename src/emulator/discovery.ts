/**
 * Legacy (non-aggregated) discovery: /api, /api/v1, /apis, /apis/G, /apis/G/V, and /version.
 * kubectl asks for aggregated discovery first and falls back to these when the response is
 * plain application/json.
 */
import { RESOURCES, groupVersions, verbsOf } from './resources.ts';


function resourceList(group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    const base: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r) };
    if (r.shortNames) base.shortNames = r.shortNames;
    if (r.categories) base.categories = r.categories;
    resources.push(base);
    for (const s of r.subresources ?? []) {
      resources.push({ name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs });
    }
  }
  const out: Record<string, unknown> = { kind: 'APIResourceList', groupVersion: group === '' ? version : `${group}/${version}`, resources };
  if (group !== '') out.apiVersion = 'v1';
  return out;
}

function apiGroup(group: string): Record<string, unknown> {
  const versions = groupVersions().filter((g) => g.group === group).map((g) => ({ groupVersion: `${group}/${g.version}`, version: g.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** The discovery document for a path, or undefined if the path is not a discovery path. */
export function discovery(parts: string[], serverAddress: string): Record<string, unknown> | undefined {
  if (parts.length === 1 && parts[0] === 'api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }
  if (parts.length === 2 && parts[0] === 'api' && parts[1] === 'v1') return resourceList('', 'v1');
  if (parts.length === 1 && parts[0] === 'apis') {
    const groups = [...new Set(groupVersions().filter((g) => g.group !== '').map((g) => g.group))];
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
  }
  if (parts.length === 2 && parts[0] === 'apis' && groupVersions().some((g) => g.group === parts[1])) {
    return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(parts[1]) };
  }
  if (parts.length === 3 && parts[0] === 'apis' && groupVersions().some((g) => g.group === parts[1] && g.version === parts[2])) {
    return resourceList(parts[1], parts[2]);
  }
  return undefined;
}
