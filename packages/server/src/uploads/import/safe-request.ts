import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, STATUS_CODES } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type Readable, Transform } from 'node:stream';
import { type BlockedRange, blockedRange } from './address-policy.ts';
import { ImportError, importFailed, importTooLarge, invalidImportUrl } from './import-error.ts';
import { checkIntervalMs, type MinRate, RateWatch, type TooSlow } from './min-rate.ts';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has, like node:dns `lookup(host, { all: true })`. */
export type HostLookup = (hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>;

export interface SafeRequestOptions {
  /** GET unless set; a POST sends `body` (webhook deliveries). */
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Limit for the whole transfer: name lookups, connections, redirects and the body. */
  readonly timeoutMs: number;
  /** The slowest the transfer may be over a sliding window, from its start (see min-rate.ts). */
  readonly minRate: MinRate;
  /** Redirects followed before giving up; 5 unless set. With 0, a redirect is an error that says it was not followed. */
  readonly maxRedirects?: number;
  /**
   * `host` or `host:port` entries (IPv6 in brackets) that may be fetched even though they are
   * private addresses: internal mirrors, configured hubs, tests. An entry without a port
   * matches only the scheme's default port.
   */
  readonly allowedHosts?: ReadonlyArray<string>;
  readonly lookup?: HostLookup;
  /** Extra request headers, such as a hub token. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The origin `headers` are sent to; the origin of the first URL unless set. Hops to other
   * origins (a CDN a hub redirects to) go without them, so a token never leaves its host.
   */
  readonly headersOrigin?: string;
  /** Ends the transfer (an IMPORT_CANCELED error, not retried) when aborted. */
  readonly signal?: AbortSignal;
  /** Told as the body arrives: bytes so far, and the declared length when there is one. */
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

/** A 2xx response whose body is still to be read. */
export interface SafeResponse {
  /** The URL that answered, after redirects. */
  readonly url: URL;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Ends only when the whole body arrived; fails with an ImportError (too large, timeout, cut off). */
  readonly body: Readable;
  /** What ended the transfer early, if anything did. */
  failure(): ImportError | undefined;
  /** Ends the transfer and frees its socket and timers; safe at any time, and more than once. */
  close(): void;
}

export const DEFAULT_MAX_REDIRECTS = 5;
const MAX_URL_LENGTH = 8192;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_HEADERS = { 'user-agent': 'assetd-import', accept: '*/*', 'accept-encoding': 'identity' };

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

/**
 * Checks what can be checked without the network: a well-formed http(s) URL without
 * credentials whose host, when it is an IP address (in any form the URL parser accepts, such
 * as 2130706433 or 0x7f.1), is public. Returns the parsed URL.
 */
export function checkImportUrl(input: string, allowedHosts: ReadonlyArray<string> = []): URL {
  return checkUrl(input, hostAllowList(allowedHosts), undefined);
}

/**
 * GETs `input` without letting it reach private networks: every hop's host is resolved, every
 * address is checked, and the connection goes to exactly the checked addresses, so a DNS
 * answer cannot change between the check and the connect. Redirects are followed by hand and
 * checked the same way. Resolves once a 2xx response's headers are in; the caller reads
 * `body` and calls `close`. Every failure is an ImportError.
 */
export function safeGet(input: string, options: SafeRequestOptions): Promise<SafeResponse> {
  return safeRequest(input, { ...options, method: 'GET' });
}

/**
 * Sends `options.method` (GET by default) to `input` under the same rules as safeGet: every
 * hop's addresses checked and pinned, the deadline and minimum rate over the whole exchange.
 * Resolves once a 2xx response's headers are in; any other status is an ImportError whose
 * details carry `status`.
 */
export async function safeRequest(input: string, options: SafeRequestOptions): Promise<SafeResponse> {
  const allowed = hostAllowList(options.allowedHosts ?? []);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const lookup = options.lookup ?? systemLookup;
  let url = checkUrl(input, allowed, undefined);
  const headersOrigin = options.headersOrigin === undefined ? url.origin : new URL(options.headersOrigin).origin;
  const exchange = (options.method ?? 'GET') === 'GET' ? 'The download from' : 'The request to';
  const transfer = new Transfer(options.timeoutMs, options.minRate, options.signal, exchange);
  try {
    let from: string | undefined;
    for (let redirects = 0; ; redirects += 1) {
      transfer.at(url);
      const addresses = await transfer.race(resolveChecked(url, allowed, lookup, from));
      const headers = url.origin === headersOrigin ? { ...DEFAULT_HEADERS, ...options.headers } : DEFAULT_HEADERS;
      const response = await transfer.send(url, addresses, headers, options.method ?? 'GET', options.body);
      const status = response.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        transfer.dropResponse();
        if (maxRedirects === 0) {
          throw importFailed(`${url.host} answered with a redirect (HTTP ${status}), which is not followed`, false, {
            status,
            host: url.host,
          });
        }
        if (redirects >= maxRedirects) {
          throw importFailed(`Too many redirects: gave up after ${maxRedirects}, last at ${url.host}`, false, { maxRedirects });
        }
        from = url.host;
        url = redirectTarget(url, response.headers.location, allowed);
        continue;
      }
      if (status < 200 || status > 299) {
        transfer.dropResponse();
        throw statusError(status, url);
      }
      return transfer.respond(response, url, options.maxBytes, options.onProgress);
    }
  } catch (error) {
    transfer.close();
    throw error;
  }
}

/**
 * One transfer's request, timers and body. Whatever fails first (deadline, too slow, network,
 * size) is recorded once and ends everything with that error.
 *
 * Neither timeout is worth a retry: a source that missed the deadline or the minimum rate will
 * most likely do so again, and each attempt would hold a download slot as long again.
 */
class Transfer {
  readonly #deadline: NodeJS.Timeout;
  readonly #rate: RateWatch;
  readonly #watch: NodeJS.Timeout;
  readonly #failed: Promise<never>;
  #reject: (error: ImportError) => void = () => {};
  #host = '';
  #request: ClientRequest | undefined;
  #body: Transform | undefined;
  #done = false;
  #failure: ImportError | undefined;

  /** `exchange` names the transfer in messages: "The download from", "The request to". */
  constructor(timeoutMs: number, minRate: MinRate, signal: AbortSignal | undefined, exchange: string) {
    this.#failed = new Promise<never>((_resolve, reject) => {
      this.#reject = reject;
    });
    this.#failed.catch(() => {});
    this.#deadline = setTimeout(() => {
      this.#fail(
        new ImportError('IMPORT_TIMEOUT', `${exchange} ${this.#host} did not finish within ${duration(timeoutMs)}`, {
          retryable: false,
          details: { host: this.#host, timeoutMs },
        }),
      );
    }, timeoutMs);
    this.#rate = new RateWatch(minRate, Date.now());
    this.#watch = setInterval(() => {
      const slow = this.#rate.check(Date.now());
      if (slow) this.#fail(tooSlow(this.#host, minRate, slow));
    }, checkIntervalMs(minRate));
    if (signal) {
      const cancel = () => this.#fail(new ImportError('IMPORT_CANCELED', 'The import was canceled', { retryable: false }));
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
    }
  }

  /** Names the host now being worked on, for messages. */
  at(url: URL): void {
    this.#host = url.host;
  }

  /** Settles like `work`, unless the transfer fails first. */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#failed]);
  }

  send(
    url: URL,
    addresses: ReadonlyArray<ResolvedAddress>,
    headers: Record<string, string>,
    method: 'GET' | 'POST',
    body: string | undefined,
  ): Promise<IncomingMessage> {
    const client = url.protocol === 'https:' ? https : http;
    // No agent: a fresh connection per hop, to the checked addresses only, closed when done.
    const request = client.request(url, { method, headers, agent: false, lookup: pinnedLookup(addresses) });
    this.#request = request;
    return this.race(
      new Promise<IncomingMessage>((resolve, reject) => {
        request.once('response', resolve);
        // Stays attached for the whole transfer, so a late socket error is never unhandled.
        request.on('error', (error) => reject(error instanceof ImportError ? error : networkError(error, url)));
        request.end(body);
      }),
    );
  }

  /** Discards a response that will not be read (a redirect or an error status). */
  dropResponse(): void {
    this.#request?.destroy();
    this.#request = undefined;
  }

  respond(response: IncomingMessage, url: URL, maxBytes: number, onProgress: SafeRequestOptions['onProgress'] | undefined): SafeResponse {
    const declared = contentLength(response.headers['content-length']);
    if (declared !== undefined && declared > maxBytes) throw importTooLarge(url.host, maxBytes);
    let received = 0;
    const rate = this.#rate;
    const body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        rate.add(chunk.length);
        if (received > maxBytes) return callback(importTooLarge(url.host, maxBytes));
        onProgress?.(received, declared);
        callback(null, chunk);
      },
      flush(callback) {
        if (declared !== undefined && received !== declared) return callback(connectionLost(url));
        callback();
      },
    });
    this.#body = body;
    // Errors are also reported to whoever reads the body; this listener records the first one
    // and keeps an error before the reader attaches from going unhandled.
    body.on('error', (error) => {
      if (error instanceof ImportError) this.#fail(error);
    });
    body.once('close', () => this.close());
    response.on('error', (error) => this.#fail(networkError(error, url)));
    response.once('close', () => {
      if (!response.complete) this.#fail(connectionLost(url));
    });
    response.pipe(body);
    return {
      url,
      status: response.statusCode ?? 200,
      headers: response.headers,
      body,
      failure: () => this.#failure,
      close: () => this.close(),
    };
  }

  close(): void {
    this.#done = true;
    clearTimeout(this.#deadline);
    clearInterval(this.#watch);
    this.#body?.destroy();
    this.#request?.destroy();
  }

  #fail(error: ImportError): void {
    if (this.#done) return;
    this.#done = true;
    this.#failure = error;
    clearTimeout(this.#deadline);
    clearInterval(this.#watch);
    this.#reject(error);
    // The body first, so whoever reads it sees this error rather than the socket's.
    this.#body?.destroy(error);
    this.#request?.destroy(error);
  }
}

/** A lookup for http.request that answers with the addresses already checked, and nothing else. */
function pinnedLookup(addresses: ReadonlyArray<ResolvedAddress>): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses;
    const first = usable[0];
    process.nextTick(() => {
      if (!first) return callback(Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' }), '');
      if (options.all) return callback(null, [...usable]);
      callback(null, first.address, first.family);
    });
  };
}

async function resolveChecked(
  url: URL,
  allowed: ReadonlySet<string>,
  lookup: HostLookup,
  redirectedFrom: string | undefined,
): Promise<ReadonlyArray<ResolvedAddress>> {
  const host = bareHostname(url);
  const literal = isIP(host);
  // checkUrl has already judged literal addresses.
  if (literal !== 0) return [{ address: host, family: literal }];
  let found: ReadonlyArray<ResolvedAddress>;
  try {
    found = await lookup(host);
  } catch (error) {
    throw dnsError(error, host);
  }
  const addresses = found.map(({ address }) => ({ address, family: isIP(address) }));
  if (!isAllowed(url, allowed)) {
    // Every address, not just the first: the connection may use any of them.
    for (const { address } of addresses) {
      const range = blockedRange(address);
      if (range) throw forbidden(host, `resolves to ${article(range)} ${range} address${via(redirectedFrom)}`, range);
    }
  }
  const usable = addresses.filter((entry) => entry.family !== 0);
  if (usable.length === 0) throw importFailed(`The host ${host} has no addresses`, false, { host });
  return usable;
}

function checkUrl(input: string, allowed: ReadonlySet<string>, redirectedFrom: string | undefined): URL {
  if (input.length > MAX_URL_LENGTH) throw invalidImportUrl(`The URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw invalidImportUrl(`"${input.slice(0, 200)}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidImportUrl(`Only http and https URLs can be imported, not ${url.protocol.slice(0, -1)}`);
  }
  if (url.username || url.password) {
    throw invalidImportUrl('The URL must not contain a user name or password');
  }
  const host = bareHostname(url);
  if (isIP(host) !== 0 && !isAllowed(url, allowed)) {
    const range = blockedRange(host);
    if (range) throw forbidden(host, `is ${article(range)} ${range} address${via(redirectedFrom)}`, range);
  }
  return url;
}

function redirectTarget(from: URL, location: string | undefined, allowed: ReadonlySet<string>): URL {
  if (!location) throw importFailed(`${from.host} answered with a redirect but no Location`, false, { host: from.host });
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw importFailed(`${from.host} redirected to an invalid URL`, false, { host: from.host });
  }
  try {
    return checkUrl(next.href, allowed, from.host);
  } catch (error) {
    if (error instanceof ImportError && error.code === 'IMPORT_INVALID_URL') {
      throw importFailed(`${from.host} redirected to a URL that cannot be imported: ${error.message}`, false, { host: from.host });
    }
    throw error;
  }
}

function forbidden(host: string, reason: string, range: BlockedRange): ImportError {
  return new ImportError(
    'IMPORT_URL_FORBIDDEN',
    `Cannot import from ${host}: it ${reason}. Imports only fetch from public internet addresses`,
    { retryable: false, details: { host, range } },
  );
}

function statusError(status: number, url: URL): ImportError {
  const retryable = status >= 500 || status === 408 || status === 429;
  const reason = STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : '';
  const hint =
    status === 401 || status === 403
      ? ' (the file may be private or need a token)'
      : status === 404 || status === 410
        ? ' (check the URL)'
        : '';
  return importFailed(`HTTP ${status}${reason} from ${url.host}${hint}`, retryable, { status, host: url.host });
}

function tooSlow(host: string, rule: MinRate, slow: TooSlow): ImportError {
  const details = {
    host,
    minBytesPerSecond: rule.bytesPerSecond,
    windowMs: rule.windowMs,
    bytesPerSecond: Math.round(slow.bytesPerSecond),
  };
  const message =
    slow.bytes === 0
      ? `The download from ${host} stalled: nothing arrived for ${duration(slow.spanMs)}`
      : `The download from ${host} was too slow: ${speed(slow.bytesPerSecond)} over the last ${duration(slow.spanMs)}, under the minimum of ${speed(rule.bytesPerSecond)}`;
  return new ImportError('IMPORT_TIMEOUT', message, { retryable: false, details });
}

const connectionLost = (url: URL) =>
  importFailed(`The connection to ${url.host} closed before the whole file arrived`, true, { host: url.host });

const NETWORK_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'refused the connection',
  ECONNRESET: 'closed the connection',
  EPIPE: 'closed the connection',
  EHOSTUNREACH: 'is unreachable',
  ENETUNREACH: 'is unreachable',
  ETIMEDOUT: 'did not answer',
};

function networkError(error: Error, url: URL): ImportError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const details = { host: url.host, code };
  if (/CERT|SELF_SIGNED|ERR_TLS|ERR_SSL/.test(code)) {
    return importFailed(`The TLS certificate of ${url.host} was rejected (${code})`, false, details, error);
  }
  if (code.startsWith('HPE_')) return importFailed(`${url.host} sent a malformed HTTP response`, false, details, error);
  const problem = NETWORK_PROBLEMS[code] ?? `could not be reached (${code || error.message})`;
  return importFailed(`${url.host} ${problem}`, true, details, error);
}

function dnsError(error: unknown, host: string): ImportError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'ENODATA') {
    return importFailed(`The host ${host} was not found`, false, { host, code }, error);
  }
  return importFailed(`Could not look up the host ${host}${code ? ` (${code})` : ''}`, true, { host, code }, error);
}

function hostAllowList(entries: ReadonlyArray<string>): ReadonlySet<string> {
  return new Set(entries.map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== ''));
}

function isAllowed(url: URL, allowed: ReadonlySet<string>): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.has(url.host) || allowed.has(`${url.hostname}:${port}`);
}

/** The host name without the brackets the URL parser keeps around IPv6 addresses. */
const bareHostname = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

function contentLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

const via = (redirectedFrom: string | undefined) => (redirectedFrom ? ` (redirected from ${redirectedFrom})` : '');

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);

function speed(bytesPerSecond: number): string {
  if (bytesPerSecond < 1024) return `${Math.round(bytesPerSecond)} B/s`;
  if (bytesPerSecond < 1024 ** 2) return `${Math.round(bytesPerSecond / 102.4) / 10} KiB/s`;
  return `${Math.round(bytesPerSecond / (1024 ** 2 / 10)) / 10} MiB/s`;
}
