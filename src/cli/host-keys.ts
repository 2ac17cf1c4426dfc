/**
 * Reads the SSH host keys named in the config, failing with one clear HOST_KEY_UNREADABLE
 * line (file and reason, no stack trace) when one is missing, unreadable or not a private key.
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const { utils } = ssh2;
import { PodgateError } from '../errors/index.ts';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

export async function readHostKeys(paths: string[]): Promise<Buffer[]> {
  const keys: Buffer[] = [];
  for (const path of paths) {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const why = REASONS[code] ?? (err as Error).message;
      throw new PodgateError('HOST_KEY_UNREADABLE', `cannot read host key ${path}: ${why} (create one with: podgate keygen --dir DIR)`, { cause: err });
    }
    const parsed = utils.parseKey(data);
    const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
    if (key === undefined || key instanceof Error || !key.isPrivateKey()) {
      const why = key instanceof Error ? key.message : 'not a private key';
      throw new PodgateError('HOST_KEY_UNREADABLE', `host key ${path} is not a usable OpenSSH private key: ${why}`);
    }
    keys.push(data);
  }
  return keys;
}
