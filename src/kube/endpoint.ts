import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { PodgateError } from '../errors/index.ts';
import { impersonationHeaders, withoutImpersonation } from './impersonation.ts';
import type { Identity } from './types.ts';

export interface EndpointOptions {
  /** Path to a kubeconfig; absent: in-cluster, else $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
}

/** TLS settings for connections made outside the agent (WebSocket upgrades). */
export type TlsSettings = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'>;

/**
 * Where the API server is and how to talk to it: base URL, one keep-alive agent for REST,
 * TLS settings for WebSockets and the kubeconfig's auth headers. client-node does the
 * kubeconfig parsing, auth providers and TLS material; podgate builds the requests itself.
 */
export class ApiEndpoint {
  readonly baseUrl: URL;
  readonly secure: boolean;
  readonly agent: http.Agent;
  readonly tls: TlsSettings;
  readonly #kc: KubeConfig;
  readonly #dynamicAuth: boolean;
  #staticHeaders: Record<string, string | string[]>;

  private constructor(kc: KubeConfig, tls: TlsSettings, headers: Record<string, string | string[]>) {
    this.#kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new PodgateError('CONFIG_INVALID', 'the kubeconfig has no current cluster');
    this.baseUrl = new URL(cluster.server);
    this.secure = this.baseUrl.protocol === 'https:';
    this.tls = tls;
    const user = kc.getCurrentUser();
    // Exec plugins, auth providers and token files can rotate: ask client-node per request.
    this.#dynamicAuth = Boolean(user?.exec || user?.authProvider);
    this.#staticHeaders = headers;
    const agentOpts = { keepAlive: true, keepAliveMsecs: 15_000, maxFreeSockets: 16, scheduling: 'lifo' as const };
    this.agent = this.secure ? new https.Agent({ ...agentOpts, ...tls }) : new http.Agent(agentOpts);
  }

  /** Loads the kubeconfig (synchronously, so a bad file fails at startup). */
  static loadConfig(opts: EndpointOptions): KubeConfig {
    const kc = new KubeConfig();
    try {
      if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
      else kc.loadFromDefault();
      if (opts.context) {
        if (!kc.getContextObject(opts.context)) throw new Error(`context "${opts.context}" not found in kubeconfig`);
        kc.setCurrentContext(opts.context);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new PodgateError('CONFIG_INVALID', `cannot load the kubeconfig: ${message}`, { cause: err });
    }
    if (!kc.getCurrentCluster()) throw new PodgateError('CONFIG_INVALID', 'the kubeconfig has no current cluster');
    return kc;
  }

  /** Resolves TLS material and auth (client-node may run an exec plugin here). */
  static async create(kc: KubeConfig): Promise<ApiEndpoint> {
    const { tls, headers } = await applyKubeConfig(kc);
    return new ApiEndpoint(kc, tls, headers);
  }

  /** The kubeconfig's auth headers (Authorization...), never its Impersonate-* headers. */
  async authHeaders(): Promise<Record<string, string | string[]>> {
    if (this.#dynamicAuth) this.#staticHeaders = (await applyKubeConfig(this.#kc)).headers;
    return this.#staticHeaders;
  }

  /**
   * Headers for one request made as `identity` (impersonated; null: podgate's own identity):
   * the kubeconfig's auth, the Impersonate-* headers and podgate's User-Agent.
   */
  async requestHeaders(identity: Identity | null): Promise<Record<string, string | string[]>> {
    return { ...(await this.authHeaders()), ...(identity ? impersonationHeaders(identity) : {}), 'User-Agent': 'podgate' };
  }

  /** The full URL for an API path plus query (repeated keys for array values). */
  url(path: string, query: QueryParams = {}): URL {
    const url = new URL(this.baseUrl.href);
    url.pathname = `${this.baseUrl.pathname.replace(/\/$/, '')}${path}`;
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
    return url;
  }

  close(): void {
    this.agent.destroy();
  }
}

export type QueryParams = Record<string, string | number | boolean | readonly string[] | undefined>;

async function applyKubeConfig(kc: KubeConfig): Promise<{ tls: TlsSettings; headers: Record<string, string | string[]> }> {
  const opts: https.RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (err) {
    // client-node refuses plain-http servers unless skipTLSVerify is set, after it has applied
    // auth: podgate allows http (as kubectl does), so keep what was applied.
    const server = kc.getCurrentCluster()?.server ?? '';
    if (!server.startsWith('http:')) throw toConfigError(err);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string') headers[k] = v;
    else if (typeof v === 'number') headers[k] = String(v);
    else if (Array.isArray(v)) headers[k] = v.map(String);
  }
  if (typeof opts.auth === 'string') headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const tls: TlsSettings = {};
  if (opts.ca !== undefined) tls.ca = opts.ca;
  if (opts.cert !== undefined) tls.cert = opts.cert;
  if (opts.key !== undefined) tls.key = opts.key;
  if (opts.pfx !== undefined) tls.pfx = opts.pfx;
  if (opts.passphrase !== undefined) tls.passphrase = opts.passphrase;
  if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
  if (opts.servername !== undefined) tls.servername = opts.servername;
  return { tls, headers: withoutImpersonation(headers) };
}

function toConfigError(err: unknown): PodgateError {
  const message = err instanceof Error ? err.message : String(err);
  return new PodgateError('API_ERROR', undefined, { operatorMessage: `kubeconfig auth: ${message}`, cause: err });
}
