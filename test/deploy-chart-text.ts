/**
 * Reading the Helm chart without helm (helm does not run on this machine). No template engine:
 * a template is turned into plain YAML by one regex rule, so that its static structure (which
 * is most of it, and all of the RBAC rules) can be parsed and checked.
 *
 * The rule: every `{{ ... }}` action (multi-line ones included) becomes a placeholder; a line
 * that held nothing but actions (if/range/end/with/define/comments/variable assignments, or a
 * `toYaml ... | nindent N` block) is dropped, as it contributes no structure of its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO = join(import.meta.dirname, '..');
export const CHART = join(REPO, 'chart');
const TEMPLATES = join(CHART, 'templates');
export const PLACEHOLDER = '__TPL__';

const ACTION = /\{\{[\s\S]*?\}\}/g;
const MARK = '\u0000';

function templateToYaml(text: string): string {
  // One mark per action, so an action spanning lines collapses onto its first line.
  const marked = text.replace(ACTION, MARK);
  const out: string[] = [];
  for (const line of marked.split('\n')) {
    if (line.includes(MARK) && line.replaceAll(MARK, '').trim() === '') continue;
    out.push(line.replaceAll(MARK, PLACEHOLDER));
  }
  return out.join('\n');
}

/** The YAML templates of the chart (NOTES.txt and _helpers.tpl are not YAML). */
export function templateFiles(): string[] {
  return readdirSync(TEMPLATES).filter((f) => f.endsWith('.yaml')).sort();
}

export function readTemplate(file: string): string {
  return readFileSync(join(TEMPLATES, file), 'utf8');
}

export interface ParsedTemplate {
  file: string;
  docs: Record<string, unknown>[];
  errors: string[];
}

export function parseTemplate(file: string): ParsedTemplate {
  const docs: Record<string, unknown>[] = [];
  const errors: string[] = [];
  for (const doc of parseAllDocuments(templateToYaml(readTemplate(file)))) {
    for (const e of doc.errors) errors.push(`${file}: ${e.message}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) docs.push(value as Record<string, unknown>);
  }
  return { file, docs, errors };
}

export function allDocs(): (Record<string, unknown> & { __file: string })[] {
  return templateFiles().flatMap((f) => parseTemplate(f).docs.map((d) => ({ ...d, __file: f })));
}

/** One RBAC rule as the chart writes it. */
export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** `group|resource|verb` for every combination a rule grants (resourceNames aside). */
export function expandRules(rules: Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}|${res}|${v}`);
  }
  return out;
}
