/**
 * Parses a request path into the attributes the apiserver derives from it
 * (apiserver pkg/endpoints/request/requestinfo.go): resource vs non-resource, verb, group,
 * version, namespace, resource, name, subresource.
 */
export interface RequestInfo {
  resourceRequest: boolean;
  path: string;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** Parts after the API prefix: ['api','v1'] or ['apis','apps','v1'] for discovery. */
  parts: string[];
}

const METHOD_VERBS: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter((p) => p !== '');
  const info: RequestInfo = {
    resourceRequest: false, path, verb: (method || 'GET').toLowerCase(), apiGroup: '', apiVersion: '',
    namespace: '', resource: '', name: '', subresource: '', parts,
  };
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    info.apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    info.apiGroup = parts[1];
    info.apiVersion = parts[2];
    rest = parts.slice(3);
  } else {
    return info;
  }
  info.resourceRequest = true;
  info.verb = METHOD_VERBS[method] ?? info.verb;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    info.namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2) {
    info.namespace = rest[1];
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest.slice(2).join('/');
  if (info.verb === 'get' && info.name === '') {
    info.verb = ['1', 'true'].includes(query.get('watch') ?? '') ? 'watch' : 'list';
  }
  if (info.verb === 'delete' && info.name === '') info.verb = 'deletecollection';
  return info;
}
