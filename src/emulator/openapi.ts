/**
 * The slice of OpenAPI v3 that kubectl needs to create and apply writable objects (Leases):
 * `/openapi/v3` lists a document per group-version, and that document has the object paths
 * with the `x-kubernetes-group-version-kind` extension and the `fieldValidation` query
 * parameter. Seeing that parameter, kubectl (1.27+) leaves field validation to the server
 * (`?fieldValidation=Strict`, checked in field-validation.ts) instead of downloading schemas.
 * The PATCH operation names no request body media types, so kubectl's client-side apply builds
 * its strategic merge patch from its own compiled-in types, as with an old server.
 */
import { RESOURCES } from './resources.ts';
import type { ResourceDef } from './resources.ts';

const writableGroupVersions = (): { group: string; version: string }[] => {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) if (r.writable) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
};

const prefixOf = (g: { group: string; version: string }): string => (g.group === '' ? `api/${g.version}` : `apis/${g.group}/${g.version}`);

function operation(r: ResourceDef, action: string, params: string[]): Record<string, unknown> {
  return {
    operationId: `${action}${r.kind}`,
    parameters: params.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
    responses: { 200: { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
  };
}

function document(g: { group: string; version: string }): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => x.writable && x.group === g.group && x.version === g.version)) {
    const base = `/${prefixOf(g)}/namespaces/{namespace}/${r.resource}`;
    paths[base] = { get: operation(r, 'list', ['labelSelector', 'fieldSelector', 'watch']), post: operation(r, 'post', ['dryRun', 'fieldManager', 'fieldValidation']) };
    paths[`${base}/{name}`] = {
      get: operation(r, 'get', []),
      put: operation(r, 'put', ['dryRun', 'fieldManager', 'fieldValidation']),
      patch: operation(r, 'patch', ['dryRun', 'fieldManager', 'fieldValidation', 'force']),
      delete: operation(r, 'delete', ['dryRun', 'gracePeriodSeconds']),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.4' }, paths, components: {} };
}

/** The answer for an /openapi/v3 path, or undefined when there is none. */
export function openApiV3(path: string): Record<string, unknown> | undefined {
  const rest = path.replace(/^\/openapi\/v3\/?/, '');
  if (rest === path) return undefined;
  const gvs = writableGroupVersions();
  if (rest === '') {
    return { paths: Object.fromEntries(gvs.map((g) => [prefixOf(g), { serverRelativeURL: `/openapi/v3/${prefixOf(g)}?hash=emulator` }])) };
  }
  const g = gvs.find((x) => prefixOf(x) === rest);
  return g ? document(g) : undefined;
}
