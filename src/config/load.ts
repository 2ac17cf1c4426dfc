/**
 * Loads podgate's YAML config: parse (keeping positions), validate against the schema with
 * defaults filled in, check what a schema cannot, then resolve relative paths against the
 * config file's directory. Every problem becomes a ConfigIssue naming the key path, line and
 * column; all of them are reported at once.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isAlias, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { PodgateError } from '../errors/index.ts';
import { configSchema } from './schema.ts';
import { checkSemantics } from './semantics.ts';
import type { PodgateConfig } from './types.ts';
import { formatPath, locate, pointerToPath } from './yaml-locate.ts';

export interface ConfigIssue {
  /** Key path as printed, e.g. `users[1].publicKeys[0]`. */
  path: string;
  line: number;
  col: number;
  message: string;
}

/** A config that cannot be used; `issues` lists every problem found. */
export class ConfigInvalidError extends PodgateError {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    super('CONFIG_INVALID', undefined, { operatorMessage: `${file}: ${issues.length} error(s) in the configuration` });
    this.file = file;
    this.issues = issues;
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
const validate = ajv.compile(configSchema);

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function ajvMessage(err: ErrorObject): { path: (string | number)[]; at: 'key' | 'value'; message: string } {
  const path = pointerToPath(err.instancePath);
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String((err.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((err.parentSchema as { properties?: object }).properties ?? {});
      return { path: [...path, key], at: 'key', message: `unknown key "${key}" (known keys: ${known.join(', ')})` };
    }
    case 'required':
      return { path, at: 'value', message: `missing required key "${(err.params as { missingProperty: string }).missingProperty}"` };
    case 'type': {
      const want = String((err.params as { type: string | string[] }).type)
        .replace('object', 'a mapping')
        .replace('array', 'a list')
        .replace(',', ' or ');
      return { path, at: 'value', message: `must be ${want}, not ${describeType(err.data)}` };
    }
    default:
      return { path, at: 'value', message: err.message ?? `fails ${err.keyword}` };
  }
}

function resolvePaths(cfg: PodgateConfig, baseDir: string): PodgateConfig {
  return {
    ...cfg,
    hostKeys: cfg.hostKeys.map((p) => resolve(baseDir, p)),
    stateDir: resolve(baseDir, cfg.stateDir),
    recordings: { ...cfg.recordings, ...(cfg.recordings.dir === undefined ? {} : { dir: resolve(baseDir, cfg.recordings.dir) }) },
    kubernetes: {
      ...cfg.kubernetes,
      ...(cfg.kubernetes.kubeconfig === undefined ? {} : { kubeconfig: resolve(baseDir, cfg.kubernetes.kubeconfig) }),
    },
    users: cfg.users.map((u) => ({ ...u, kubernetes: { user: u.kubernetes.user ?? u.name, groups: u.kubernetes.groups } })),
    clusters: cfg.clusters.map((c) => (c.kubeconfig === undefined ? c : { ...c, kubeconfig: resolve(baseDir, c.kubeconfig) })),
    web: { ...cfg.web, ...(cfg.web.tls ? { tls: { cert: resolve(baseDir, cfg.web.tls.cert), key: resolve(baseDir, cfg.web.tls.key) } } : {}) },
    replicas: cfg.replicas && cfg.replicas.secretFile !== undefined ? { ...cfg.replicas, secretFile: resolve(baseDir, cfg.replicas.secretFile) } : cfg.replicas,
  };
}

/**
 * The document as plain data. yaml refuses unresolved aliases and alias bombs (its
 * maxAliasCount) by throwing from toJS: those become an issue at the first alias.
 */
function toData(doc: Document): { data: unknown } | { error: string; offset: number } {
  try {
    return { data: doc.toJS() ?? {} };
  } catch (err) {
    let offset = 0;
    visit(doc, { Alias(_key, node) {
      if (isAlias(node) && node.range) { offset = node.range[0]; return visit.BREAK; }
      return undefined;
    } });
    return { error: `cannot use this YAML: ${(err as Error).message}`, offset };
  }
}

/**
 * Parses and validates config text. `file` is used for messages and, through `baseDir`
 * (default: its directory), to resolve relative paths. Returns the config or every issue.
 */
export function parseConfig(text: string, file: string, baseDir = dirname(resolve(file))): { config: PodgateConfig } | { issues: ConfigIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { path: '(yaml)', line: pos.line, col: pos.col, message: e.message.split('\n')[0] ?? e.code };
      }),
    };
  }
  const js = toData(doc);
  if ('error' in js) {
    const pos = lines.linePos(js.offset);
    return { issues: [{ path: '(yaml)', line: pos.line, col: pos.col, message: js.error }] };
  }
  const data = js.data;
  const issues: ConfigIssue[] = [];
  const report = (path: (string | number)[], message: string, at: 'key' | 'value' = 'value') => {
    const pos = locate(doc, lines, path, at);
    issues.push({ path: formatPath(path), line: pos.line, col: pos.col, message });
  };
  const schemaPaths = new Set<string>();
  if (!validate(data)) {
    for (const err of validate.errors ?? []) {
      const m = ajvMessage(err);
      schemaPaths.add(formatPath(m.path));
      report(m.path, m.message, m.at);
    }
  }
  // Semantic checks are defensive about shapes, so they run even when the schema failed
  // (all errors at once), skipping keys the schema already complained about.
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const issue of checkSemantics(data as Record<string, unknown>)) {
      if (!schemaPaths.has(formatPath(issue.path))) report(issue.path, issue.message);
    }
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line || a.col - b.col);
    return { issues };
  }
  return { config: resolvePaths(data as PodgateConfig, baseDir) };
}

/** Reads and validates a config file; rejects with ConfigInvalidError listing every issue. */
export async function loadConfig(file: string): Promise<PodgateConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as Error).message;
    throw new ConfigInvalidError(file, [{ path: '(file)', line: 0, col: 0, message: `cannot read the config file (${reason})` }]);
  }
  const result = parseConfig(text, file);
  if ('issues' in result) throw new ConfigInvalidError(file, result.issues);
  return result.config;
}

/** `FILE:LINE:COL: path: message`, the form check-config and serve print. */
export function formatIssue(file: string, issue: ConfigIssue): string {
  if (issue.line === 0) return `${file}: ${issue.message}`;
  return `${file}:${issue.line}:${issue.col}: ${issue.path}: ${issue.message}`;
}
