/**
 * The one registry of podgate's error codes. Each code has the text a user may see (safe to
 * print on their terminal) and a hint for the operator. docs/errors.md is the table of these;
 * a test keeps the two in step. Codes are never reused once retired.
 */
export interface ErrorSpec {
  /** What went wrong, in words for the SSH user (no internals, no secrets). */
  readonly summary: string;
  /** How an operator fixes it. */
  readonly fix: string;
}

export const ERROR_CODES = {
  TARGET_INVALID: { summary: 'the SSH user name is not a valid USER+TARGET', fix: 'Use USER+POD[.NAMESPACE][+CONTAINER] with Kubernetes names (docs/contract.md §1).' },
  NAMESPACE_NOT_ALLOWED: { summary: 'the namespace is not allowed for this user', fix: 'Add the namespace to the user\'s allow.namespaces in the config.' },
  POD_NOT_FOUND: { summary: 'no such pod or workload', fix: 'Check the name and namespace (ssh USER@bastion pods lists them).' },
  CONTAINER_NOT_FOUND: { summary: 'the pod has no such container', fix: 'Name one of the pod\'s containers after the second +.' },
  POD_NOT_RUNNING: { summary: 'the pod or container is not running', fix: 'Wait for the pod to be Running, or pick another replica.' },
  NO_READY_POD: { summary: 'the workload has no Running and Ready pod', fix: 'Check the workload\'s rollout; podgate only enters Ready pods of a workload.' },
  FORBIDDEN: { summary: 'the cluster\'s RBAC does not allow this', fix: 'Grant the user\'s Kubernetes identity the verb on the resource named in the message.' },
  POLICY_DENIED: { summary: 'podgate\'s config does not allow this for this user', fix: 'Change the user\'s allow settings in the podgate config.' },
  API_UNREACHABLE: { summary: 'the Kubernetes API server cannot be reached', fix: 'Check kubernetes.kubeconfig, the API server address and the network.' },
  API_TIMEOUT: { summary: 'the Kubernetes API server did not answer in time', fix: 'Check the API server\'s health; kubernetes.requestTimeoutMs bounds the wait.' },
  API_ERROR: { summary: 'the Kubernetes API server returned an error', fix: 'Read the operator log entry for the API server\'s status.' },
  NO_SHELL: { summary: 'the container has no POSIX shell', fix: 'podgate needs /bin/sh in the container to run and reap sessions.' },
  UNSUPPORTED: { summary: 'this request is not supported', fix: 'See README for what podgate serves.' },
  CONFIG_INVALID: { summary: 'the configuration is invalid', fix: 'Run podgate check-config FILE and fix each error it lists.' },
  HOST_KEY_UNREADABLE: { summary: 'a host key file is missing or unreadable', fix: 'Run podgate keygen --dir DIR, or fix hostKeys in the config.' },
  INTERNAL: { summary: 'internal error', fix: 'Read the operator log entry; report a bug if it repeats.' },
  // --- sessions that outlive a connection (docs/sessions.md) ---
  SESSION_NOT_FOUND: { summary: 'no such session of yours on this bastion', fix: 'ssh USER@bastion sessions lists the live sessions; a detached one ends after sessions.detachGraceSeconds.' },
  SESSION_NOT_RESUMABLE: { summary: 'this session cannot be re-attached', fix: 'Set sessions.detachGraceSeconds above 0; sessions started before that keep no screen to redraw.' },
  NEEDS_TTY: { summary: 'this command needs a terminal', fix: 'Run it with ssh -t.' },
  // Sessions across replicas (docs/replicas.md).
  REPLICA_UNREACHABLE: { summary: 'the podgate replica that holds this session cannot be reached', fix: 'Check that the replica runs, that replicas.advertise is reachable from the other replicas, and that every replica has the same replicas secret (the operator log says which).' },
  SESSION_LOST: { summary: 'the podgate replica that held this session stopped; the session is gone', fix: 'Nothing to fix for the session; the stale Lease was removed. Check why the replica stopped.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;
