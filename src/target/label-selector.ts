/**
 * A Kubernetes label selector string (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) parsed into a
 * predicate, for the config's podSelector on pods podgate fetched by name. Throws on syntax
 * errors (config validation catches them first).
 */
type Requirement = (labels: Record<string, string>) => boolean;

/** Own labels only: `constructor` or `__proto__` in a selector never matches the prototype. */
const has = (l: Record<string, string>, key: string): boolean => Object.hasOwn(l, key);
const get = (l: Record<string, string>, key: string): string | undefined => (Object.hasOwn(l, key) ? l[key] : undefined);

export function parseLabelSelector(selector: string): (labels: Record<string, string> | undefined) => boolean {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(selector)) {
    const t = term.trim();
    if (t === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = t.match(/^([^\s!=,()]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const key = m[1];
      const values = new Set(m[3].split(',').map((v) => v.trim()).filter((v) => v !== ''));
      const inSet = m[2] === 'in';
      reqs.push((l) => (inSet ? has(l, key) && values.has(get(l, key)!) : !has(l, key) || !values.has(get(l, key)!)));
    } else if ((m = t.match(/^([^\s!=,()]+)\s*!=\s*([^\s!=,()]*)$/))) {
      const [key, val] = [m[1], m[2]];
      reqs.push((l) => get(l, key) !== val);
    } else if ((m = t.match(/^([^\s!=,()]+)\s*==?\s*([^\s!=,()]*)$/))) {
      const [key, val] = [m[1], m[2]];
      reqs.push((l) => get(l, key) === val);
    } else if ((m = t.match(/^!\s*([^\s!=,()]+)$/))) {
      const key = m[1];
      reqs.push((l) => !has(l, key));
    } else if ((m = t.match(/^([^\s!=,()]+)$/))) {
      const key = m[1];
      reqs.push((l) => has(l, key));
    } else {
      throw new Error(`invalid label selector term "${t}"`);
    }
  }
  return (labels) => reqs.every((r) => r(labels ?? {}));
}

/** Splits at commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
