/**
 * Access review before a stream is opened: asks the cluster (SelfSubjectAccessReview as the
 * user's identity) what it grants on the pod subresource (see stream-grants.ts for which verbs
 * podgate's WebSocket streams need), so a denial names who may not do what, or which verb is
 * missing, instead of surfacing as a failed upgrade. RBAC stays the authority: the stream
 * request itself is impersonated too.
 */
import { PodgateError } from '../errors/index.ts';
import type { Identity, KubeApi } from '../kube/types.ts';
import { streamGrant, type StreamSubresource } from './stream-grants.ts';

export type { StreamSubresource } from './stream-grants.ts';

const WORDS: Record<StreamSubresource, string> = { exec: 'exec into', portforward: 'port-forward to', log: 'read the logs of' };

export async function checkStreamAccess(
  kube: Pick<KubeApi, 'canI' | 'serverVersion'>, identity: Identity, namespace: string, subresource: StreamSubresource, pod?: string,
): Promise<void> {
  const g = await streamGrant(kube, identity, namespace, subresource, pod);
  if (g.allowed) return;
  const granted = subresource === 'log' ? [] : [g.get && 'get', g.create && 'create'].filter(Boolean);
  throw new PodgateError('FORBIDDEN', g.gap ?? `${identity.user} may not ${WORDS[subresource]} pods in namespace "${namespace}"`, {
    operatorMessage: `access review for pods/${subresource} in ${namespace} as ${identity.user} [${identity.groups.join(',')}] granted [${granted.join(',')}]: ${g.reasons}`.trim(),
  });
}
