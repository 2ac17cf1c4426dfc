/**
 * Label and field selectors with the grammar of k8s.io/apimachinery pkg/labels and pkg/fields:
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`; fields support `=`, `==`, `!=`.
 * Parse errors become 400 BadRequest with the apiserver's wording.
 */
export type LabelRequirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur);
  return out;
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): string {
  if (!KEY.test(k)) throw new SelectorError(`unable to parse requirement: invalid label key "${k}"`);
  return k;
}
function checkValue(v: string): string {
  if (!VALUE.test(v) || v.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value: "${v}"`);
  return v;
}

export function parseLabelSelector(sel: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  if (sel.trim() === '') return reqs;
  for (const raw of splitTop(sel)) {
    const part = raw.trim();
    if (part === '') throw new SelectorError(`found '', expected: !, identifier, or 'end of string'`);
    let m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (m) {
      const values = m[3].split(',').map((v) => checkValue(v.trim()));
      reqs.push({ key: checkKey(m[1]), op: m[2] as 'in' | 'notin', values });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (m) {
      reqs.push({ key: checkKey(m[1]), op: m[2] === '!=' ? 'neq' : 'eq', value: checkValue(m[3].trim()) });
      continue;
    }
    m = /^!\s*(\S+)$/.exec(part);
    if (m) { reqs.push({ key: checkKey(m[1]), op: 'notexists' }); continue; }
    if (/^\S+$/.test(part)) { reqs.push({ key: checkKey(part), op: 'exists' }); continue; }
    throw new SelectorError(`unable to parse requirement: ${part}`);
  }
  return reqs;
}

export function matchLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq': return has && l[r.key] === r.value;
      case 'neq': return !has || l[r.key] !== r.value;
      case 'in': return has && r.values.includes(l[r.key]);
      case 'notin': return !has || !r.values.includes(l[r.key]);
      case 'exists': return has;
      case 'notexists': return !has;
    }
    return false;
  });
}

/** A LabelSelector object (matchLabels + matchExpressions) as workloads carry it. */
export function selectorObjectToRequirements(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key, op: 'eq', value });
  for (const e of sel?.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists') reqs.push({ key: e.key, op: 'exists' });
    else if (op === 'doesnotexist') reqs.push({ key: e.key, op: 'notexists' });
  }
  return reqs;
}

export interface FieldRequirement { field: string; op: 'eq' | 'neq'; value: string }

export function parseFieldSelector(sel: string, supported: string[]): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  if (sel.trim() === '') return reqs;
  for (const raw of sel.split(',')) {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new SelectorError(`invalid selector: '${sel}'; can't understand '${raw}'`);
    reqs.push({ field: m[1], op: m[2] === '!=' ? 'neq' : 'eq', value: m[3] });
  }
  for (const r of reqs) {
    if (!supported.includes(r.field)) throw new SelectorError(`field label not supported: ${r.field}`);
  }
  return reqs;
}

export function matchFields(reqs: FieldRequirement[], get: (field: string) => string): boolean {
  return reqs.every((r) => (get(r.field) === r.value) === (r.op === 'eq'));
}
