/**
 * What podgate adds to ssh2's key exchange, wired by server.ts with one call per socket and one
 * per ssh2 connection: the host-key offer without SHA-1 `ssh-rsa` (host-key-offer.ts), a
 * `server-sig-algs` naming exactly the user-key signature algorithms podgate accepts
 * (ext-info.ts) and, when the algorithms do not match, an SSH_NEGOTIATION_FAILED event with the client's offer read
 * from its first bytes (client-offer.ts, negotiation-log.ts).
 */
import type { Connection } from 'ssh2';
import type { Logger } from 'pino';
import { HARDENED_ALGORITHMS, HOST_KEY_ALGORITHMS } from './algorithms.ts';
import { watchClientOffer, type ByteSource, type ClientOffer } from './client-offer.ts';
import { SIGNATURE_ALGORITHMS } from '../auth/key-algorithms.ts';
import { useServerSigAlgs } from './ext-info.ts';
import { useHostKeyOffer } from './host-key-offer.ts';
import { logNegotiationFailure, type ServerOffer } from './negotiation-log.ts';
import type { ConnectionInfo } from './types.ts';

const offers = new WeakMap<object, { get(): ClientOffer | null }>();

/** Call for a new socket (or jump channel) before ssh2 gets it: remembers the client's KEXINIT lists. */
export function watchClientHello(socket: ByteSource & object): void {
  offers.set(socket, watchClientOffer(socket));
}

/** What podgate offers by category (host keys: as offered on this connection). */
function serverOffer(hostKey: readonly string[] | null): ServerOffer {
  const a = HARDENED_ALGORITHMS as unknown as Record<'kex' | 'cipher' | 'hmac' | 'compress', string[]>;
  return { kex: a.kex, hostKey: hostKey ?? HOST_KEY_ALGORITHMS, cipher: a.cipher, mac: a.hmac, compress: a.compress };
}

/** Call synchronously in the ssh2 Server's 'connection' listener (before ssh2 sends KEXINIT). */
export function prepareHandshake(client: Connection, log: Logger, info: Pick<ConnectionInfo, 'connId' | 'remoteAddress' | 'remotePort'>): void {
  const hostKeys = useHostKeyOffer(client, HOST_KEY_ALGORITHMS);
  useServerSigAlgs(client, SIGNATURE_ALGORITHMS);
  const socket = (client as unknown as { _sock?: object })._sock;
  const offer = socket ? offers.get(socket) : undefined;
  client.on('error', (err: Error & { level?: string }) => {
    logNegotiationFailure(log, err, info, offer?.get() ?? null, serverOffer(hostKeys));
  });
}
