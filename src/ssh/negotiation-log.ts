/**
 * Explains a failed algorithm negotiation, as sshd's "Unable to negotiate with ADDR port N: no
 * matching cipher found. Their offer: …" does: one SSH_NEGOTIATION_FAILED event naming what
 * did not match, the client's offer (from its KEXINIT, client-offer.ts) and podgate's own.
 */
import type { Logger } from 'pino';
import type { ClientOffer } from './client-offer.ts';
import type { ConnectionInfo } from './types.ts';
import { emit } from '../events/emit.ts';

/** What podgate offers, by category (host keys as actually offered for the loaded keys). */
export interface ServerOffer {
  kex: readonly string[];
  hostKey: readonly string[];
  cipher: readonly string[];
  mac: readonly string[];
  compress: readonly string[];
}

type Category = keyof ServerOffer;

const FAILURES: [RegExp, Category, string][] = [
  [/no matching key exchange/i, 'kex', 'key exchange method'],
  [/no matching host key/i, 'hostKey', 'host key type'],
  [/no matching [CS]->[CS] cipher/i, 'cipher', 'cipher'],
  [/no matching [CS]->[CS] MAC/i, 'mac', 'MAC'],
  [/no matching [CS]->[CS] compression/i, 'compress', 'compression method'],
];

/** The category of an ssh2 handshake error, or null when it is not a negotiation failure. */
function negotiationFailure(message: string): { category: Category; label: string } | null {
  for (const [re, category, label] of FAILURES) if (re.test(message)) return { category, label };
  return null;
}

/** Logs SSH_NEGOTIATION_FAILED when `err` is a negotiation failure; returns whether it was. */
export function logNegotiationFailure(
  log: Logger,
  err: Error & { level?: string },
  info: Pick<ConnectionInfo, 'connId' | 'remoteAddress' | 'remotePort'>,
  client: ClientOffer | null,
  server: ServerOffer,
): boolean {
  if (err.level !== 'handshake') return false;
  const f = negotiationFailure(err.message);
  if (!f) return false;
  const theirs = client ? client[f.category] : null;
  emit(log, {
    code: 'SSH_NEGOTIATION_FAILED',
    connId: info.connId,
    remoteAddress: info.remoteAddress,
    remotePort: info.remotePort,
    clientVersion: client?.version ?? null,
    category: f.category,
    clientOffer: theirs,
    serverOffer: server[f.category],
  }, `Unable to negotiate with ${info.remoteAddress} port ${info.remotePort}: no matching ${f.label} found. Their offer: ${theirs ? theirs.join(',') : '(unknown)'}`);
  return true;
}
