/**
 * Loads a fixture: multi-document YAML of real Kubernetes objects plus one
 * `kind: EmulatorConfig` document. Unknown kinds are rejected so typos do not pass silently.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { EmulatorConfig, KubeObject } from './types.ts';
import { resourceForKind } from './resources.ts';

export interface Fixture {
  objects: KubeObject[];
  config: EmulatorConfig;
}

export function parseFixture(text: string, source = 'fixture'): Fixture {
  const objects: KubeObject[] = [];
  let config: EmulatorConfig | undefined;
  const docs = parseAllDocuments(text);
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}: document ${i + 1}: ${doc.errors[0].message}`);
    const o = doc.toJS() as Record<string, unknown> | null;
    if (o === null || o === undefined) return;
    const kind = o.kind;
    if (kind === 'EmulatorConfig') {
      config = o as unknown as EmulatorConfig;
      if (!Array.isArray(config.tokens)) throw new Error(`${source}: EmulatorConfig needs a tokens list`);
      return;
    }
    if (typeof kind !== 'string' || typeof o.apiVersion !== 'string') throw new Error(`${source}: document ${i + 1}: needs apiVersion and kind`);
    if (!resourceForKind(o.apiVersion, kind)) throw new Error(`${source}: document ${i + 1}: ${o.apiVersion} ${kind} is not served by the emulator`);
    const meta = o.metadata as { name?: unknown } | undefined;
    if (!meta || typeof meta.name !== 'string') throw new Error(`${source}: document ${i + 1}: ${kind} needs metadata.name`);
    objects.push(o as unknown as KubeObject);
  });
  if (!config) throw new Error(`${source}: no EmulatorConfig document`);
  return { objects, config };
}

export function loadFixture(path: string): Fixture {
  return parseFixture(readFileSync(path, 'utf8'), path);
}
