/** Summarises a V8 .cpuprofile: self time per function and per script, top N. */

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number }
export interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[] }

function shortUrl(url: string): string {
  const i = url.indexOf('node_modules/');
  if (i >= 0) return url.slice(i + 13);
  const s = url.indexOf('/src/');
  if (s >= 0) return url.slice(s + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

export function summarizeProfile(p: CpuProfile, top = 30): string {
  const total = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const ms = (p.endTime - p.startTime) / 1000;
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const file = shortUrl(n.callFrame.url);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${file}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + hits);
    const pkg = file.split('/').slice(0, file.startsWith('@') ? 2 : 1).join('/');
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + hits);
  }
  const fmt = (m: Map<string, number>): string => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  return `profile ${ms.toFixed(0)} ms, ${total} samples\n-- self time by function\n${fmt(byFn)}\n-- self time by package/dir\n${fmt(byFile)}`;
}
