/**
 * Access review before a stream is opened: asks the cluster (SelfSubjectAccessReview as the
 * user's identity) whether it may `create` and `get` the pod subresource, so a denial names
 * who may not do what instead of surfacing as a failed upgrade. RBAC stays the authority:
 * the stream request itself is impersonated too.
 */
import { PodgateError } from '../errors/index.ts';
import type { Identity, KubeApi } from '../kube/types.ts';

/** `log` is not a stream upgrade; it needs only `get pods/log` (kubectl logs). */
export type StreamSubresource = 'exec' | 'portforward' | 'log';

const WORDS: Record<StreamSubresource, string> = { exec: 'exec into', portforward: 'port-forward to', log: 'read the logs of' };

export async function checkStreamAccess(kube: Pick<KubeApi, 'canI'>, identity: Identity, namespace: string, subresource: StreamSubresource, pod?: string): Promise<void> {
  const verbs = subresource === 'log' ? (['get'] as const) : (['create', 'get'] as const);
  const answers = await Promise.all(
    verbs.map((verb) => kube.canI(identity, { verb, resource: 'pods', subresource, namespace, ...(pod ? { name: pod } : {}) })),
  );
  const denied = verbs.filter((_, i) => !answers[i]!.allowed);
  if (denied.length > 0) {
    throw new PodgateError('FORBIDDEN', `${identity.user} may not ${WORDS[subresource]} pods in namespace "${namespace}"`, {
      operatorMessage: `access review denied ${denied.join('+')} pods/${subresource} in ${namespace} for ${identity.user} [${identity.groups.join(',')}]: ${answers.map((a) => a.reason ?? '').join(' ').trim()}`,
    });
  }
}
