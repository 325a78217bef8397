import { AssetdError } from './errors.ts';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Where the server is; default ASSETD_BASE_URL, else http://127.0.0.1:8080. */
  readonly baseURL?: string;
  /** The API key id (`key_…`); default ASSETD_API_KEY. With a secret, requests use HTTP Basic. */
  readonly apiKey?: string;
  /** The API secret (`sk_…`); default ASSETD_API_SECRET. Alone, it is sent as a Bearer token. */
  readonly apiSecret?: string;
  /** Another project of the key's team for every request; default ASSETD_PROJECT_ID, else the key's own. */
  readonly projectId?: string;
  /** Milliseconds one attempt of a request may take; default 60 s. */
  readonly timeout?: number;
  /** Retries after the first attempt, for network errors, 408, 429 and 5xx; default 2. */
  readonly maxRetries?: number;
  /** A fetch to use instead of the global one (a proxy agent, a test double, an older runtime's polyfill). */
  readonly fetch?: Fetch;
  /** Headers sent with every API request. */
  readonly defaultHeaders?: Record<string, string>;
}

export interface ResolvedOptions {
  readonly baseURL: string;
  readonly authorization: string | undefined;
  readonly projectId: string | undefined;
  readonly timeout: number;
  readonly maxRetries: number;
  readonly fetch: Fetch;
  readonly defaultHeaders: Record<string, string>;
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080';

/** The process environment where there is one (Node, Deno, Bun); browsers have none. */
function environment(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

/** Base64 of ASCII text in any runtime (btoa is global in browsers and Node). */
const base64 = (text: string) => btoa(text);

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const env = environment();
  const apiKey = options.apiKey ?? (env.ASSETD_API_KEY || undefined);
  const apiSecret = options.apiSecret ?? (env.ASSETD_API_SECRET || undefined);
  if (apiKey && !apiSecret) throw new AssetdError('An apiKey needs its apiSecret (or set ASSETD_API_SECRET)');
  const timeout = options.timeout ?? 60_000;
  const maxRetries = options.maxRetries ?? 2;
  if (!(timeout > 0)) throw new AssetdError(`timeout must be a positive number of milliseconds, got ${timeout}`);
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new AssetdError(`maxRetries must be a whole number ≥ 0, got ${maxRetries}`);
  const fetchImpl = options.fetch ?? (globalThis.fetch ? globalThis.fetch.bind(globalThis) : undefined);
  if (!fetchImpl) throw new AssetdError('No fetch in this runtime: pass one as the fetch option');
  return {
    baseURL: (options.baseURL ?? (env.ASSETD_BASE_URL || DEFAULT_BASE_URL)).replace(/\/+$/, ''),
    authorization: apiSecret ? (apiKey ? `Basic ${base64(`${apiKey}:${apiSecret}`)}` : `Bearer ${apiSecret}`) : undefined,
    projectId: options.projectId ?? (env.ASSETD_PROJECT_ID || undefined),
    timeout,
    maxRetries,
    fetch: fetchImpl,
    defaultHeaders: { ...options.defaultHeaders },
  };
}
