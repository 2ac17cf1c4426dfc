/**
 * The requesting side of the relay: connect to the replica that holds a session (its Lease's
 * holderIdentity), authenticate it (peer.ts), send one request and read the answer. Every
 * failure is a PodgateError whose user text says which replica could not be reached; the
 * operator text says why (refused, timeout, wrong secret).
 */
import net from 'node:net';
import type { SecureChannel } from './channel.ts';
import { MessageType } from './channel.ts';
import { connectPeer } from './peer.ts';
import type { AdoptRequest, RelayAnswer, RelayRequest } from './protocol.ts';
import { RelayStream } from './relay-stream.ts';
import { PodgateError, type ErrorCode } from '../errors/index.ts';
import { ERROR_CODES } from '../errors/codes.ts';

export interface RelayTarget {
  /** host:port of the holder (its replicas.advertise). */
  address: string;
  secret: Buffer;
  timeoutMs: number;
}

function splitHostPort(address: string): { host: string; port: number } | null {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address);
  const port = Number(m?.[2]);
  return m && port > 0 && port < 65536 ? { host: m[1] ?? '', port } : null;
}

function unreachable(address: string, why: string): PodgateError {
  return new PodgateError('REPLICA_UNREACHABLE', `the podgate replica ${address} that holds this session cannot be reached`, { operatorMessage: `relay to ${address}: ${why}` });
}

function connect(t: RelayTarget): Promise<SecureChannel> {
  const hp = splitHostPort(t.address);
  if (!hp) return Promise.reject(unreachable(t.address, 'not a host:port'));
  return new Promise<SecureChannel>((resolve, reject) => {
    const socket = net.connect({ host: hp.host, port: hp.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const timer = setTimeout(() => { socket.destroy(); reject(unreachable(t.address, `no connection within ${t.timeoutMs} ms`)); }, t.timeoutMs);
    socket.once('error', (err) => { clearTimeout(timer); reject(unreachable(t.address, err.message)); });
    socket.once('connect', () => {
      clearTimeout(timer);
      connectPeer(socket, t.secret, t.timeoutMs).then(resolve, (err: unknown) => reject(unreachable(t.address, (err as Error).message)));
    });
  });
}

/** Sends the request and waits for the answer; the channel stays open for an attach. */
async function ask(t: RelayTarget, req: RelayRequest): Promise<{ ch: SecureChannel; answer: RelayAnswer }> {
  return askOn(await connect(t), t, req);
}

/** The request on an authenticated channel, and its answer. */
function askOn(ch: SecureChannel, t: RelayTarget, req: RelayRequest): Promise<{ ch: SecureChannel; answer: RelayAnswer }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { ch.destroy(); reject(unreachable(t.address, 'no answer in time')); }, t.timeoutMs);
    const onClose = (err: Error | undefined): void => { clearTimeout(timer); reject(unreachable(t.address, err?.message ?? 'closed before answering')); };
    ch.once('close', onClose);
    ch.once('message', (type, payload) => {
      clearTimeout(timer);
      ch.off('close', onClose);
      let answer: RelayAnswer | null = null;
      try { answer = type === MessageType.answer ? JSON.parse(payload.toString('utf8')) as RelayAnswer : null; } catch { answer = null; }
      if (!answer) { ch.destroy(); reject(unreachable(t.address, 'malformed answer')); return; }
      resolve({ ch, answer });
    });
    ch.send(MessageType.request, req);
  });
}

function refusal(answer: Extract<RelayAnswer, { ok: false }>): PodgateError {
  const code: ErrorCode = answer.code in ERROR_CODES ? answer.code : 'INTERNAL';
  return new PodgateError(code, answer.message);
}

/** Attach (or watch) a session held by another replica: the terminal as a RelayStream. */
export async function remoteAttach(t: RelayTarget, req: RelayRequest): Promise<RelayStream> {
  const { ch, answer } = await ask(t, req);
  if (!answer.ok) { ch.end(); throw refusal(answer); }
  return new RelayStream(ch);
}

/**
 * How a handover of lingering processes went: `refused` and `unreached` (the request was never
 * sent) leave them with the holder; `unknown` (sent, no answer) may have moved them.
 */
export type AdoptResult = { outcome: 'ok' } | { outcome: 'refused' | 'unreached' | 'unknown'; error: PodgateError };

/** Asks the holder to hand the lingering processes of session `req.id` over to this replica. */
export async function remoteAdopt(t: RelayTarget, req: AdoptRequest): Promise<AdoptResult> {
  let ch: SecureChannel;
  try {
    ch = await connect(t);
  } catch (err) {
    return { outcome: 'unreached', error: err as PodgateError };
  }
  try {
    const { answer } = await askOn(ch, t, req);
    ch.end();
    return answer.ok ? { outcome: 'ok' } : { outcome: 'refused', error: refusal(answer) };
  } catch (err) {
    return { outcome: 'unknown', error: err as PodgateError };
  }
}
