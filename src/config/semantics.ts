/**
 * The config checks a JSON Schema cannot express. Each issue carries the key path (as an array,
 * so load.ts can find its line in the YAML) and a message for the operator.
 */
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const { utils } = ssh2;
import { keyProblem } from '../auth/key-algorithms.ts';
import { parseListen } from './listen.ts';
import { cidrProblem } from '../ssh/address-set.ts';
import { checkClusters } from './cluster-semantics.ts';

export interface SemanticIssue {
  path: (string | number)[];
  message: string;
}

const USER_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Impersonating this group bypasses RBAC entirely (bastion-security note §5). */
const FORBIDDEN_GROUPS = new Set(['system:masters']);

/** Why `line` is not a usable authorized_keys line, or null when it is. */
function publicKeyProblem(line: string): string | null {
  const text = line.trim();
  if (/^\S+-cert-v01@openssh\.com\s/.test(text)) {
    return 'certificates are not accepted as publicKeys; configure the signing CA in userCAs';
  }
  if (!/^(ssh-|ecdsa-|sk-)/.test(text)) {
    return 'not an authorized_keys line ("TYPE BASE64 [comment]"; options before the type are not supported)';
  }
  const parsed = utils.parseKey(text);
  const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (key === undefined || key instanceof Error) {
    return `not a valid public key: ${key instanceof Error ? key.message : 'empty'}`;
  }
  if (key.isPrivateKey()) return 'this is a private key; list the public key line (the .pub file)';
  const problem = keyProblem(key.getPublicSSH());
  if (problem === 'dsa-refused') return 'DSA (ssh-dss) keys are refused, as by OpenSSH; use an ed25519 key';
  if (problem !== null) return `not a usable key: ${problem}`;
  return null;
}

function namespaceProblem(ns: string): string | null {
  if (ns.length > 63 || !DNS1123_LABEL.test(ns)) {
    return `"${ns}" is not a Kubernetes namespace name (DNS-1123 label: lower-case letters, digits and '-', at most 63)`;
  }
  return null;
}

interface RawUser {
  name?: unknown;
  publicKeys?: unknown;
  kubernetes?: { user?: unknown; groups?: unknown };
  defaultNamespace?: unknown;
  allow?: { namespaces?: unknown };
}

/**
 * The string items of a list with their indexes: the schema reports items of another type,
 * and these checks must not throw on them (they run even when the schema failed).
 */
function strings(list: unknown): [string, number][] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((v: unknown, i) => (typeof v === 'string' ? [[v, i] as [string, number]] : []));
}

/** Checks a config object that already passed the schema (so the shapes are right). */
export function checkSemantics(cfg: Record<string, unknown>): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const add = (path: (string | number)[], message: string | null) => {
    if (message !== null) issues.push({ path, message });
  };

  if (typeof cfg.listen === 'string') {
    const parsed = parseListen(cfg.listen);
    if ('error' in parsed) add(['listen'], parsed.error);
  }
  const replicas = cfg.replicas as { listen?: string; advertise?: string } | null | undefined;
  for (const key of ['listen', 'advertise'] as const) {
    const v = replicas?.[key];
    if (typeof v !== 'string') continue;
    const parsed = parseListen(v);
    if ('error' in parsed) add(['replicas', key], parsed.error);
    else if (key === 'advertise' && parsed.port === 0) add(['replicas', key], 'needs a port other replicas can reach (not 0)');
  }
  const metrics = cfg.metrics as { listen?: string } | null | undefined;
  if (typeof metrics?.listen === 'string') {
    const parsed = parseListen(metrics.listen);
    if ('error' in parsed) add(['metrics', 'listen'], parsed.error);
  }
  if (typeof cfg.defaultNamespace === 'string') add(['defaultNamespace'], namespaceProblem(cfg.defaultNamespace));

  const cidrLists: [string[], unknown][] = [
    [['proxyProtocol', 'trustedSources'], (cfg.proxyProtocol as { trustedSources?: unknown } | undefined)?.trustedSources],
    [['limits', 'penalties', 'exempt'], (cfg.limits as { penalties?: { exempt?: unknown } } | undefined)?.penalties?.exempt],
    [['web', 'trustedProxies'], (cfg.web as { trustedProxies?: unknown } | undefined)?.trustedProxies],
  ];
  for (const [path, list] of cidrLists) if (Array.isArray(list)) list.forEach((c, i) => add([...path, i], cidrProblem(String(c))));

  // A CA may be written as in authorized_keys (`cert-authority ssh-ed25519 AAAA...`) or bare.
  strings(cfg.userCAs).forEach(([line, i]) => add(['userCAs', i], publicKeyProblem(line.trim().replace(/^cert-authority\s+/, ''))));

  const users = Array.isArray(cfg.users) ? (cfg.users as RawUser[]) : [];
  const firstIndex = new Map<string, number>();
  users.forEach((user, i) => {
    if (typeof user !== 'object' || user === null) return;
    if (typeof user.name === 'string') {
      const name = user.name;
      if (name.includes('+')) {
        add(['users', i, 'name'], `"${name}" contains '+', which separates USER from TARGET in the SSH user name`);
      } else if (!USER_NAME.test(name)) {
        add(['users', i, 'name'], `"${name}" is not a valid user name (lower-case letters, digits, '.', '_', '-'; starting with a letter or digit)`);
      }
      const seen = firstIndex.get(name);
      if (seen === undefined) firstIndex.set(name, i);
      else add(['users', i, 'name'], `duplicate user "${name}" (also users[${seen}])`);
    }

    strings(user.publicKeys).forEach(([line, k]) => add(['users', i, 'publicKeys', k], publicKeyProblem(line)));

    strings(user.kubernetes?.groups).forEach(([group, g]) => {
      if (FORBIDDEN_GROUPS.has(group.trim().toLowerCase())) {
        add(['users', i, 'kubernetes', 'groups', g], `refusing to impersonate group "${group}": it bypasses RBAC entirely`);
      }
    });
    if (typeof user.defaultNamespace === 'string') add(['users', i, 'defaultNamespace'], namespaceProblem(user.defaultNamespace));
    strings(user.allow?.namespaces).forEach(([ns, n]) => add(['users', i, 'allow', 'namespaces', n], namespaceProblem(ns)));
  });
  // Several clusters and expiry (docs/clusters.md).
  issues.push(...checkClusters(cfg));
  // The browser terminal.
  const web = cfg.web as { listen?: unknown; publicUrl?: unknown; tls?: unknown } | undefined;
  if (typeof web?.listen === 'string') {
    const parsed = parseListen(web.listen);
    if ('error' in parsed) add(['web', 'listen'], parsed.error);
    // On a named or loopback address the URL can be derived from it; on all interfaces it cannot.
    const wildcard = !('error' in parsed) && (parsed.host === '0.0.0.0' || parsed.host === '::');
    if (wildcard && web.publicUrl === undefined) add(['web'], `web.listen "${web.listen}" needs web.publicUrl: the URL browsers see (e.g. https://bastion.example.com)`);
  }
  if (typeof web?.publicUrl === 'string') add(['web', 'publicUrl'], publicUrlProblem(web.publicUrl));
  return issues;
}

/** A browser-facing origin: http(s), a host, no path, query, fragment or credentials. */
function publicUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL (e.g. https://bastion.example.com)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${text}" must be an http:// or https:// URL`;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    return `"${text}" must be an origin only (scheme, host and port; no path, query or credentials)`;
  }
  return null;
}
