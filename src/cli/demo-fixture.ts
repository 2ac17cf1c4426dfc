/**
 * What `podgate demo` needs to know about the demo fixture (src/emulator/fixtures/demo.yaml):
 * the bearer token podgate's service account uses, an all-powerful token for `kubectl`
 * (--kubeconfig-out), and the Kubernetes identity the demo user impersonates. Read from the
 * fixture's EmulatorConfig and RBAC bindings, so the demo follows the fixture if it changes.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

export interface DemoFixtureFacts {
  podgateToken: string;
  adminToken: string | null;
  identity: { user: string; groups: string[] };
  /** Pods named in the fixture, "namespace/name". */
  pods: string[];
}

interface Doc {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  tokens?: { token: string; user: string; groups?: string[] }[];
  subjects?: { kind?: string; name?: string }[];
}

export async function readDemoFixture(path: string, demoUser = 'demo'): Promise<DemoFixtureFacts> {
  const docs = parseAllDocuments(await readFile(path, 'utf8'));
  const objects = (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS() as Doc).filter((d) => d !== null && typeof d === 'object');
  const tokens = objects.find((d) => d.kind === 'EmulatorConfig')?.tokens ?? [];
  const sa = tokens.find((t) => t.user.startsWith('system:serviceaccount:'));
  if (!sa) throw new Error(`${path}: no service-account token in its EmulatorConfig for podgate to use`);
  const admin = tokens.find((t) => (t.groups ?? []).includes('system:masters') || t.user === 'admin');
  // The demo identity: user `demo` if a binding names it, else the first User subject bound.
  const subjects = objects.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding').flatMap((d) => d.subjects ?? []);
  const users = subjects.filter((s) => s.kind === 'User' && typeof s.name === 'string').map((s) => s.name as string);
  const user = users.includes(demoUser) ? demoUser : users.find((u) => !u.startsWith('system:')) ?? demoUser;
  const pods = objects.filter((d) => d.kind === 'Pod').map((d) => `${d.metadata?.namespace ?? 'default'}/${d.metadata?.name ?? ''}`);
  return { podgateToken: sa.token, adminToken: admin?.token ?? null, identity: { user, groups: [] }, pods };
}
