/**
 * `podgate keygen --dir DIR`: writes the host keys podgate serves with, like `ssh-keygen -A`:
 * each missing key is created (private 0600, public 0644), an existing one is kept untouched,
 * never overwritten. ed25519 is what modern clients use; the 3072-bit RSA key is for old ones.
 */
import { mkdir, open, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from './ssh-keypair.ts';

const HOST_KEY_FILES = { ed25519: 'ssh_host_ed25519_key', rsa: 'ssh_host_rsa_key' } as const;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode); // 'wx' fails if the file appeared meanwhile: never overwrite
  try {
    await fh.writeFile(text);
    await fh.chmod(mode); // the umask may have narrowed or widened nothing else; make it exact
  } finally {
    await fh.close();
  }
}

/**
 * Writes an OpenSSH key pair at `path` (+ `.pub`) unless the private key exists.
 * Returns whether it wrote one.
 */
export async function ensureKeyPair(path: string, type: 'ed25519' | 'rsa', comment: string): Promise<boolean> {
  if (await exists(path)) return false;
  const pair = generateKeyPair(type, comment);
  await writeNew(path, pair.private, 0o600);
  if (!(await exists(`${path}.pub`))) await writeNew(`${path}.pub`, `${pair.public}\n`, 0o644);
  return true;
}

export interface KeygenResult {
  written: string[];
  kept: string[];
}

export async function keygen(dir: string, opts: { rsa?: boolean } = {}): Promise<KeygenResult> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const result: KeygenResult = { written: [], kept: [] };
  const types: ('ed25519' | 'rsa')[] = opts.rsa === false ? ['ed25519'] : ['ed25519', 'rsa'];
  for (const type of types) {
    const path = join(dir, HOST_KEY_FILES[type]);
    if (await ensureKeyPair(path, type, `podgate@${hostname()}`)) result.written.push(path);
    else result.kept.push(path);
  }
  return result;
}
