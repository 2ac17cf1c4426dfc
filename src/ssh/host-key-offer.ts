/**
 * Keeps SHA-1 `ssh-rsa` host-key signatures out of podgate's KEXINIT. ssh2 1.17 adds `ssh-rsa`
 * for every RSA host key even when the configured `serverHostKey` list leaves it out (its
 * Server constructor falls back to `sha1Pos = Infinity`, which still sorts in). The offer is
 * one KexInit object per ssh2.Server, shared by its connections and sent right after the
 * 'connection' event; `useHostKeyOffer` swaps the connection's offer for a copy whose host-key
 * list holds only the algorithms podgate allows. Guarded: any other ssh2 shape is left alone.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface NameList { array: string[] }
interface KexInitLike {
  lists: {
    kex: NameList;
    serverHostKey: NameList;
    cs: Record<'cipher' | 'mac' | 'compress' | 'lang', NameList>;
    sc: Record<'cipher' | 'mac' | 'compress' | 'lang', NameList>;
  };
}
type KexInitCtor = new (algos: unknown) => KexInitLike;

const kexModule = require('ssh2/lib/protocol/kex.js') as { KexInit?: KexInitCtor };
const fixed = new WeakMap<KexInitLike, KexInitLike>();

function isKexInit(v: unknown): v is KexInitLike {
  const lists = (v as Partial<KexInitLike> | null)?.lists;
  return Array.isArray(lists?.serverHostKey?.array) && Array.isArray(lists?.kex?.array) && Array.isArray(lists?.cs?.cipher?.array);
}

function names(l: Record<'cipher' | 'mac' | 'compress' | 'lang', NameList>): Record<string, string[]> {
  return { cipher: l.cipher.array, mac: l.mac.array, compress: l.compress.array, lang: l.lang.array };
}

/** The same offer with only `allowed` host-key algorithms (cached per original offer). */
function restrictOffer(offer: KexInitLike, allowed: readonly string[]): KexInitLike {
  const cached = fixed.get(offer);
  if (cached) return cached;
  const keep = offer.lists.serverHostKey.array.filter((a) => allowed.includes(a));
  let out = offer;
  if (keep.length !== offer.lists.serverHostKey.array.length && keep.length > 0 && kexModule.KexInit) {
    out = new kexModule.KexInit({
      kex: offer.lists.kex.array,
      serverHostKey: keep,
      cs: names(offer.lists.cs),
      sc: names(offer.lists.sc),
    });
  }
  fixed.set(offer, out);
  return out;
}

/**
 * Call from the ssh2 Server's 'connection' listener (before ssh2 sends its KEXINIT). Returns the
 * host-key algorithms the connection offers.
 */
export function useHostKeyOffer(client: object, allowed: readonly string[]): string[] | null {
  const protocol = (client as { _protocol?: { _offer?: unknown } })._protocol;
  if (!protocol || !isKexInit(protocol._offer)) return null;
  protocol._offer = restrictOffer(protocol._offer, allowed);
  return [...(protocol._offer as KexInitLike).lists.serverHostKey.array];
}
