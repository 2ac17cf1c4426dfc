/**
 * A throwaway CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI
 * (EC P-256 keys: fast to generate).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';

const run = promisify(execFile);

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function generateTls(dir: string): Promise<TlsMaterial> {
  const p = (f: string): string => join(dir, f);
  const ossl = (args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });
  await ossl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('ca.key')]);
  await ossl(['req', '-x509', '-new', '-key', p('ca.key'), '-sha256', '-days', '3650', '-subj', '/CN=podgate-emulator-ca', '-out', p('ca.crt')]);
  await ossl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('server.key')]);
  await ossl(['req', '-new', '-key', p('server.key'), '-subj', '/CN=kube-apiserver', '-out', p('server.csr')]);
  await writeFile(p('server.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default',
    '',
  ].join('\n'));
  await ossl(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-days', '3650', '-sha256', '-extfile', p('server.ext'), '-out', p('server.crt')]);
  const [caPem, certPem, keyPem] = await Promise.all([readFile(p('ca.crt'), 'utf8'), readFile(p('server.crt'), 'utf8'), readFile(p('server.key'), 'utf8')]);
  return { caPem, certPem, keyPem };
}
