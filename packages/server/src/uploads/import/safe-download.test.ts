import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStore } from '../../files/file-store.ts';
import { ImportError, type ImportErrorCode } from './import-error.ts';
import { type DownloadOptions, downloadToStaging } from './safe-download.ts';
import type { HostLookup } from './safe-request.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const BODY = randomBytes(200 * 1024);
const SHA256 = createHash('sha256').update(BODY).digest('hex');

let tmp: string;
let store: FileStore;
let server: TestServer;
let other: TestServer;
const requestSpies = { http: vi.spyOn(http, 'request'), https: vi.spyOn(https, 'request') };

/** Fails the test if called: refusals must come before any name lookup of a literal address. */
const noLookup: HostLookup = async (hostname) => {
  throw new Error(`unexpected lookup of ${hostname}`);
};

const resolvesTo =
  (...addresses: string[]): HostLookup =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

function options(overrides: Partial<DownloadOptions> = {}): DownloadOptions {
  return {
    maxBytes: 1024 * 1024,
    timeoutMs: 10_000,
    minRate: { bytesPerSecond: 0, windowMs: 5_000 },
    allowedHosts: [server.host],
    lookup: noLookup,
    stage: (source: Readable, limit: number) => store.stageStream(source, limit),
    ...overrides,
  };
}

/** Expects an ImportError with `code`, and that nothing was left in the staging folder. */
async function importFailure(promise: Promise<unknown>, code: ImportErrorCode): Promise<ImportError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ImportError);
  const importError = error as ImportError;
  expect({ code: importError.code, message: importError.message }).toMatchObject({ code });
  expect(await readdir(tmp)).toEqual([]);
  return importError;
}

const requestsMade = () => requestSpies.http.mock.calls.length + requestSpies.https.mock.calls.length;

beforeAll(async () => {
  server = await startTestServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://test');
    const redirectTo = url.searchParams.get('to');
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
    if (redirectTo) {
      response.writeHead(Number(url.searchParams.get('status') ?? 302), { location: redirectTo }).end();
    } else if (hop) {
      const left = Number(hop[1]);
      const location = left > 0 ? `/hop/${left - 1}` : '/files/after-hops.bin';
      response.writeHead(301, { location }).end();
    } else if (url.pathname.startsWith('/files/') || url.pathname.startsWith('/dir/')) {
      response.writeHead(200, { 'content-type': 'image/png; charset=binary', 'content-length': BODY.length }).end(BODY);
    } else if (url.pathname === '/disposition') {
      response.writeHead(200, { 'content-disposition': url.searchParams.get('value') ?? '' }).end(BODY);
    } else if (url.pathname === '/echo-host') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end(request.headers.host);
    } else if (url.pathname === '/needs-token') {
      if (request.headers.authorization !== 'Bearer secret') response.writeHead(401).end();
      else response.writeHead(302, { location: `${other.origin}/cdn/file.bin` }).end();
    } else if (url.pathname === '/declared-huge') {
      response.writeHead(200, { 'content-length': 10 * 1024 * 1024 });
      response.write('x');
      // Never finished: the download must refuse on the header alone.
    } else if (url.pathname === '/chunked-huge') {
      // About 2 MiB without a Content-Length, in 64 KiB chunks; bounded even if nobody stops it.
      let sent = 0;
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = () => {
        while (sent < 2 * 1024 * 1024) {
          sent += 64 * 1024;
          if (!response.write(Buffer.alloc(64 * 1024))) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    } else if (url.pathname === '/stall-body') {
      response.writeHead(200, { 'content-length': 1000 });
      response.write(Buffer.alloc(100));
    } else if (url.pathname === '/stall-headers') {
      // Says nothing at all.
    } else if (url.pathname === '/steady') {
      // 128 KiB at 2 KiB every 20 ms: about 100 KiB/s, for about 1.3 s.
      response.writeHead(200, { 'content-length': 128 * 1024 });
      let sent = 0;
      const timer = setInterval(() => {
        response.write(Buffer.alloc(2048));
        if (++sent === 64) {
          clearInterval(timer);
          response.end();
        }
      }, 20);
      response.once('close', () => clearInterval(timer));
    } else if (url.pathname === '/trickle') {
      response.writeHead(200, { 'content-length': 1000 });
      const timer = setInterval(() => response.write('x'), 20);
      response.once('close', () => clearInterval(timer));
    } else if (url.pathname === '/cut') {
      response.writeHead(200, { 'content-length': 1000 });
      response.write(Buffer.alloc(500), () => response.socket?.destroy());
    } else if (url.pathname === '/status') {
      response.writeHead(Number(url.searchParams.get('code'))).end('no');
    } else {
      response.writeHead(404).end();
    }
  });
  other = await startTestServer((request, response) => {
    response.writeHead(200, { 'x-saw-authorization': String(request.headers.authorization) }).end('other');
  });
});

afterAll(async () => {
  await server.close();
  await other.close();
  vi.restoreAllMocks();
});

beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'assetd-import-'));
  store = new FileStore(undefined as never, undefined as never, tmp);
  server.requests.length = 0;
  other.requests.length = 0;
  requestSpies.http.mockClear();
  requestSpies.https.mockClear();
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('downloadToStaging: successful downloads', () => {
  it('stages the bytes with their size and sha256, and names the file after the URL path', async () => {
    const result = await downloadToStaging(`${server.origin}/files/photo.png?size=large`, options());
    expect(result.staged.size).toBe(BODY.length);
    expect(result.staged.sha256).toBe(SHA256);
    expect((await readFile(result.staged.path)).equals(BODY)).toBe(true);
    expect(path.dirname(result.staged.path)).toBe(tmp);
    expect(result.fileName).toBe('photo.png');
    expect(result.contentType).toBe('image/png');
    expect(result.finalUrl).toBe(`${server.origin}/files/photo.png?size=large`);
    expect(requestsMade()).toBe(1);
  });

  it('decodes the last path segment, and falls back to "download"', async () => {
    expect((await downloadToStaging(`${server.origin}/dir/my%20file%2Btwo.txt`, options())).fileName).toBe('my file+two.txt');
    expect((await downloadToStaging(`${server.origin}/dir/%2e%2e%2Fescape.txt`, options())).fileName).toBe('escape.txt');
    expect((await downloadToStaging(`${server.origin}/disposition`, options())).fileName).toBe('disposition');
  });

  it('prefers the Content-Disposition file name, RFC 5987 form first, reduced to a plain name', async () => {
    const named = async (value: string) =>
      (await downloadToStaging(`${server.origin}/disposition?value=${encodeURIComponent(value)}`, options())).fileName;
    expect(await named('attachment; filename="report final.pdf"')).toBe('report final.pdf');
    expect(await named(`attachment; filename="fallback.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`)).toBe('résumé.pdf');
    expect(await named('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(await named('attachment; filename=..')).toBe('disposition');
  });

  it('follows redirects, up to the limit, and reports the final URL', async () => {
    const result = await downloadToStaging(`${server.origin}/hop/2`, options({ maxRedirects: 3 }));
    expect(result.finalUrl).toBe(`${server.origin}/files/after-hops.bin`);
    expect(result.fileName).toBe('after-hops.bin');
    expect(result.staged.sha256).toBe(SHA256);
  });

  it('connects to the checked address of an allowed host name, sending the name as Host', async () => {
    const lookup = vi.fn(resolvesTo('127.0.0.1'));
    const host = `mirror.invalid:${server.port}`;
    const result = await downloadToStaging(`http://${host}/echo-host`, options({ allowedHosts: [host], lookup }));
    expect(await readFile(result.staged.path, 'utf8')).toBe(host);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('sends extra headers to the first origin only, not to hosts it redirects to', async () => {
    const result = await downloadToStaging(
      `${server.origin}/needs-token`,
      options({ allowedHosts: [server.host, other.host], headers: { authorization: 'Bearer secret' } }),
    );
    expect(result.finalUrl).toBe(`${other.origin}/cdn/file.bin`);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe('downloadToStaging: refuses private and reserved targets before connecting', () => {
  const literalTargets = [
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://017700000001/',
    'http://127.1/',
    'http://0/',
    'http://0.0.0.0:8080/',
    'http://192.168.1.1/',
    'http://172.31.255.255/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[fe80::1]/',
    'http://[fd12:3456::1]/',
    'http://[::]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:7f00:1::]/',
    'https://[::ffff:a00:1]/',
  ];

  it.each(literalTargets)('%s', async (target) => {
    const error = await importFailure(downloadToStaging(target, options()), 'IMPORT_URL_FORBIDDEN');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(403);
    expect(requestsMade()).toBe(0);
  });

  it('refuses a loopback server that is not in allowedHosts, without touching it', async () => {
    const error = await importFailure(downloadToStaging(`${other.origin}/`, options()), 'IMPORT_URL_FORBIDDEN');
    expect(error.message).toMatch(/127\.0\.0\.1.*loopback/);
    expect(other.requests).toHaveLength(0);
    expect(requestsMade()).toBe(0);
  });

  it('refuses a host name that resolves to a private address', async () => {
    const lookup = vi.fn(resolvesTo('10.20.30.40'));
    const error = await importFailure(downloadToStaging('http://intranet.invalid/file', options({ lookup })), 'IMPORT_URL_FORBIDDEN');
    expect(error.message).toContain('intranet.invalid: it resolves to a private address');
    expect(error.message).not.toContain('10.20.30.40');
    expect(lookup).toHaveBeenCalledWith('intranet.invalid');
    expect(requestsMade()).toBe(0);
  });

  it.each([
    ['public then private', ['93.184.215.14', '192.168.0.10']],
    ['private then public', ['192.168.0.10', '93.184.215.14']],
    ['public v6 and IPv4-mapped metadata address', ['2606:4700:4700::1111', '::ffff:169.254.169.254']],
  ])('refuses a host name with any bad address (%s)', async (_case, addresses) => {
    await importFailure(downloadToStaging('https://mixed.invalid/', options({ lookup: resolvesTo(...addresses) })), 'IMPORT_URL_FORBIDDEN');
    expect(requestsMade()).toBe(0);
  });

  it('refuses a redirect from an allowed host to another loopback port', async () => {
    const target = `${other.origin}/secret`;
    const error = await importFailure(
      downloadToStaging(`${server.origin}/r?to=${encodeURIComponent(target)}`, options()),
      'IMPORT_URL_FORBIDDEN',
    );
    expect(error.message).toContain(`redirected from ${server.host}`);
    expect(other.requests).toHaveLength(0);
    expect(requestsMade()).toBe(1);
  });

  it.each([301, 302, 303, 307, 308])('refuses a %i redirect to the cloud metadata address', async (status) => {
    const target = 'http://169.254.169.254/latest/meta-data/';
    await importFailure(
      downloadToStaging(`${server.origin}/r?status=${status}&to=${encodeURIComponent(target)}`, options()),
      'IMPORT_URL_FORBIDDEN',
    );
    expect(requestsMade()).toBe(1);
  });

  it('refuses a redirect to a host name that resolves to a private address', async () => {
    const lookup = vi.fn(resolvesTo('127.0.0.1'));
    const error = await importFailure(
      downloadToStaging(`${server.origin}/r?to=${encodeURIComponent('http://localhost.invalid/')}`, options({ lookup })),
      'IMPORT_URL_FORBIDDEN',
    );
    expect(error.message).toContain(`localhost.invalid: it resolves to a loopback address (redirected from ${server.host})`);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(requestsMade()).toBe(1);
  });
});

describe('downloadToStaging: bad URLs', () => {
  it.each([
    'ftp://example.com/file',
    'file:///etc/passwd',
    'gopher://example.com/',
    'http://user:pass@example.com/',
    'http://token@example.com/',
    'not a url',
    '',
  ])('refuses %j', async (target) => {
    const error = await importFailure(downloadToStaging(target, options()), 'IMPORT_INVALID_URL');
    expect(error.retryable).toBe(false);
    expect(requestsMade()).toBe(0);
  });

  it('refuses a redirect to another scheme', async () => {
    const error = await importFailure(
      downloadToStaging(`${server.origin}/r?to=${encodeURIComponent('file:///etc/passwd')}`, options()),
      'IMPORT_FAILED',
    );
    expect(error.message).toContain('redirected to a URL that cannot be imported');
    expect(error.retryable).toBe(false);
  });
});

describe('downloadToStaging: limits and failures', () => {
  it('gives up after maxRedirects', async () => {
    const error = await importFailure(downloadToStaging(`${server.origin}/hop/10`, options({ maxRedirects: 3 })), 'IMPORT_FAILED');
    expect(error.message).toContain('Too many redirects');
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(4);
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    const stage = vi.fn((source: Readable, limit: number) => store.stageStream(source, limit));
    const error = await importFailure(
      downloadToStaging(`${server.origin}/declared-huge`, options({ maxBytes: 1024 * 1024, stage })),
      'IMPORT_TOO_LARGE',
    );
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(413);
    expect(stage).not.toHaveBeenCalled();
  });

  it('aborts a chunked body once it passes the limit', async () => {
    const error = await importFailure(
      downloadToStaging(`${server.origin}/chunked-huge`, options({ maxBytes: 100 * 1024 })),
      'IMPORT_TOO_LARGE',
    );
    expect(error.details).toMatchObject({ maxBytes: 100 * 1024 });
  });

  it('cuts off a body that stops arriving, without retrying', async () => {
    const error = await importFailure(
      downloadToStaging(`${server.origin}/stall-body`, options({ minRate: { bytesPerSecond: 0, windowMs: 200 } })),
      'IMPORT_TIMEOUT',
    );
    expect(error.message).toMatch(new RegExp(`^The download from ${server.host} stalled: nothing arrived for 2\\d\\d ms$`));
    expect(error.retryable).toBe(false);
  });

  it('cuts off a server that never answers, without retrying', async () => {
    const error = await importFailure(
      downloadToStaging(`${server.origin}/stall-headers`, options({ minRate: { bytesPerSecond: 1024, windowMs: 200 } })),
      'IMPORT_TIMEOUT',
    );
    expect(error.message).toContain('stalled');
    expect(error.retryable).toBe(false);
  });

  it('cuts off a download slower than the minimum rate, though bytes keep coming', async () => {
    // One byte every 20 ms is about 50 B/s: an idle timer would never fire.
    const error = await importFailure(
      downloadToStaging(`${server.origin}/trickle`, options({ minRate: { bytesPerSecond: 1000, windowMs: 300 } })),
      'IMPORT_TIMEOUT',
    );
    expect(error.message).toMatch(/was too slow: \d+ B\/s over the last 3\d\d ms, under the minimum of 1000 B\/s$/);
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ host: server.host, minBytesPerSecond: 1000, windowMs: 300 });
    expect((error.details as { bytesPerSecond: number }).bytesPerSecond).toBeLessThan(1000);
  });

  it('lets a download slower than the network but above the minimum rate finish', async () => {
    // Checked every 125 ms over 500 ms windows, more than twice over the transfer.
    const download = await downloadToStaging(`${server.origin}/steady`, options({ minRate: { bytesPerSecond: 8 * 1024, windowMs: 500 } }));
    expect(download.staged.size).toBe(128 * 1024);
  });

  it('times out a download that keeps trickling past the overall limit, without retrying', async () => {
    const error = await importFailure(downloadToStaging(`${server.origin}/trickle`, options({ timeoutMs: 300 })), 'IMPORT_TIMEOUT');
    expect(error.message).toContain('did not finish within 300 ms');
    expect(error.retryable).toBe(false);
  });

  it('stops a download mid-body when its signal aborts (canceled, or the job lost its lease), leaving nothing staged', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('lease lost')), 150);
    // Its own timeout is past the test's: only the abort can end it in time, as IMPORT_CANCELED (not IMPORT_TIMEOUT).
    const error = await importFailure(
      downloadToStaging(`${server.origin}/trickle`, options({ timeoutMs: 600_000, signal: stop.signal })),
      'IMPORT_CANCELED',
    );
    expect(error.retryable).toBe(false);
  });

  it('reports a connection cut mid-body as retryable', async () => {
    const error = await importFailure(downloadToStaging(`${server.origin}/cut`, options()), 'IMPORT_FAILED');
    expect(error.retryable).toBe(true);
  });

  it.each([
    [404, false],
    [403, false],
    [410, false],
    [408, true],
    [429, true],
    [500, true],
    [503, true],
  ])('names HTTP %i in the error (retryable: %s)', async (status, retryable) => {
    const error = await importFailure(downloadToStaging(`${server.origin}/status?code=${status}`, options()), 'IMPORT_FAILED');
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain(server.host);
    expect(error.retryable).toBe(retryable);
    expect(error.details).toMatchObject({ status });
  });

  it('reports an unknown host as permanent and a failing resolver as retryable', async () => {
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const flaky = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    const missing = await importFailure(
      downloadToStaging('https://nowhere.invalid/', options({ lookup: () => Promise.reject(notFound) })),
      'IMPORT_FAILED',
    );
    expect(missing.retryable).toBe(false);
    const later = await importFailure(
      downloadToStaging('https://nowhere.invalid/', options({ lookup: () => Promise.reject(flaky) })),
      'IMPORT_FAILED',
    );
    expect(later.retryable).toBe(true);
  });

  it('counts a name lookup that hangs against the overall limit', async () => {
    const hanging: HostLookup = () => new Promise(() => {});
    const error = await importFailure(
      downloadToStaging('https://slow-dns.invalid/', options({ lookup: hanging, timeoutMs: 100 })),
      'IMPORT_TIMEOUT',
    );
    expect(error.message).toBe('The download from slow-dns.invalid did not finish within 100 ms');
    expect(error.retryable).toBe(false);
    expect(requestsMade()).toBe(0);
  });

  it('reports a refused connection as retryable', async () => {
    const closed = await startTestServer(() => {});
    await closed.close();
    const error = await importFailure(downloadToStaging(`${closed.origin}/`, options({ allowedHosts: [closed.host] })), 'IMPORT_FAILED');
    expect(error.message).toContain('refused the connection');
    expect(error.retryable).toBe(true);
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('downloadToStaging over https', () => {
  let tls: { server: https.Server; port: number; connections: number; names: string[] } | undefined;

  beforeAll(async () => {
    // A throwaway self-signed certificate, made here so no key lives in the repository.
    const dir = await mkdtemp(path.join(tmpdir(), 'assetd-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-keyout', key, '-out', cert, '-subj', '/CN=mirror.invalid', '-addext', 'subjectAltName=DNS:mirror.invalid'],
      ],
      { stdio: 'ignore' },
    );
    const names: string[] = [];
    const context = createSecureContext({ key: await readFile(key), cert: await readFile(cert) });
    await rm(dir, { recursive: true, force: true });
    const server = https.createServer(
      {
        // Records the name the client asked for (SNI) while serving the one certificate.
        SNICallback: (name, callback) => {
          names.push(name);
          callback(null, context);
        },
      },
      (_request, response) => response.end('secret'),
    );
    const state = { server, port: 0, connections: 0, names };
    server.on('connection', () => {
      state.connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.port = (server.address() as { port: number }).port;
    tls = state;
  });

  afterAll(async () => {
    tls?.server.closeAllConnections();
    await new Promise((resolve) => tls?.server.close(resolve));
  });

  it('connects to the pinned address with the host name for TLS, and refuses an untrusted certificate for good', async () => {
    if (!tls) throw new Error('no TLS server');
    const host = `mirror.invalid:${tls.port}`;
    const error = await importFailure(
      downloadToStaging(`https://${host}/file.bin`, options({ allowedHosts: [host], lookup: resolvesTo('127.0.0.1') })),
      'IMPORT_FAILED',
    );
    expect(error.message).toContain('TLS certificate');
    expect(error.retryable).toBe(false);
    expect(requestSpies.https).toHaveBeenCalledTimes(1);
    expect(tls.connections).toBe(1);
    expect(tls.names).toEqual(['mirror.invalid']);
  });

  it('refuses an https URL to a private address before connecting', async () => {
    if (!tls) throw new Error('no TLS server');
    await importFailure(downloadToStaging(`https://127.0.0.1:${tls.port}/`, options()), 'IMPORT_URL_FORBIDDEN');
    expect(requestsMade()).toBe(0);
  });
});
