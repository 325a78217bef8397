import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { UrlSigner } from '../auth/url-signer.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { BodyRateGuard, bodyRules } from '../http/body-rate.ts';
import { limitConnections, serverOptions } from '../http/connection-limits.ts';
import type { PartIntake } from '../storage/storage.ts';
import { createPartHandler } from './receive-part.ts';

const PART_PATH = /^\/uploads\/(upload_[0-9A-Za-z]{24})\/parts\/([1-9][0-9]{0,4})$/;

/** A part PUT by its method and path alone (the query is its credential, checked by the handler). */
export function isPartPut(request: IncomingMessage): boolean {
  if (request.method !== 'PUT') return false;
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return PART_PATH.test(query < 0 ? url : url.slice(0, query));
}

/** What differs between the servers that answer part PUTs: the API's port follows its CORS settings and counts requests. */
export interface PartServing {
  /** Access-Control-Allow-Origin for a request's Origin (undefined: none); `*` when not given. */
  allowOrigin?(origin: string | undefined): string | undefined;
  /** Told of every answered part PUT, with its status, duration and body length. */
  answered?(status: number, seconds: number, bytes: number): void;
}

/** The same JSON errors as the API's, for the few ways a part PUT can go wrong. */
function fail(response: ServerResponse, request: IncomingMessage, status: number, code: string, message: string): void {
  // Refused before the body was read to its end: the rest is still on the wire.
  if (!request.complete) response.setHeader('connection', 'close');
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ code, message }));
}

/**
 * The part endpoint on plain node:http, for a process of its own: its small heap keeps the
 * garbage collector's work per byte close to a bare server's. It only adapts HTTP to the one
 * part handler (`receive-part.ts`), which the API process serves too, with the same rules.
 */
export function createPartReceiver(intake: PartIntake, signer: UrlSigner, onError: (error: unknown) => void, serving: PartServing = {}) {
  const receive = createPartHandler(intake, signer);
  const { allowOrigin = () => '*', answered } = serving;
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // As every answer of the API's: never stored by shared caches, never read as another type.
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('cache-control', 'no-store');
    // Browsers upload parts from other origins; they must be able to read the ETag.
    const origin = allowOrigin(request.headers.origin);
    if (origin) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('access-control-expose-headers', 'ETag');
      if (origin !== '*') response.setHeader('vary', 'Origin');
    }
    if (answered) {
      const started = process.hrtime.bigint();
      response.once('finish', () =>
        answered(response.statusCode, Number(process.hrtime.bigint() - started) / 1e9, Number(request.headers['content-length']) || 0),
      );
    }
    const url = new URL(request.url ?? '/', 'http://receiver');
    const match = PART_PATH.exec(url.pathname);
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-methods': 'PUT',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
      response.end();
      return;
    }
    if (!match) return fail(response, request, 404, 'NOT_FOUND', `Route ${request.method} ${url.pathname} does not exist`);
    if (request.method !== 'PUT') return fail(response, request, 405, 'METHOD_NOT_ALLOWED', 'Part URLs take PUT');
    const [, uploadId, number] = match as unknown as [string, string, string];
    try {
      const stored = await receive({
        uploadId,
        partNumber: Number(number),
        multipartId: url.searchParams.get('part') ?? '',
        expires: url.searchParams.get('expires') ?? undefined,
        signature: url.searchParams.get('signature') ?? undefined,
        contentLength: request.headers['content-length'],
        body: request,
      });
      response.writeHead(200, { etag: stored.etag });
      response.end();
    } catch (error) {
      if (error instanceof AppError) return fail(response, request, error.status, error.code, error.message);
      onError(error);
      if (!response.headersSent) fail(response, request, 500, 'INTERNAL', 'Internal server error');
      else response.destroy();
    }
  };
}

/**
 * The handler above as a server's request listener, each body held to the minimum rate of
 * `http/body-rate.ts` (a streamed part: no request timeout). `stop` ends the rate checks.
 */
export function partListener(
  intake: PartIntake,
  signer: UrlSigner,
  limits: Config['connections'],
  log: (text: string) => void,
  serving: PartServing = {},
): { listener: (request: IncomingMessage, response: ServerResponse) => void; stop(): void } {
  const receive = createPartReceiver(
    intake,
    signer,
    (error) => log(error instanceof Error ? (error.stack ?? error.message) : String(error)),
    serving,
  );
  const guard = new BodyRateGuard(bodyRules(limits), (request, rejection) => {
    // The path only: a part URL's query is its credential.
    log(`${request.method} ${request.url?.split('?')[0]} cut off: ${rejection.message}`);
  });
  return {
    listener: (request, response) => {
      guard.watch(request, response, { deadline: false });
      void receive(request, response);
    },
    stop: () => guard.stop(),
  };
}

/**
 * The part receiver's server: the handler above, under the same limits on slow clients as the
 * API's server (`http/connection-limits.ts`, `http/body-rate.ts`). Every request here is a
 * streamed part, held to the minimum body rate rather than to a request timeout.
 */
export function createPartServer(
  intake: PartIntake,
  signer: UrlSigner,
  limits: Config['connections'],
  log: (text: string) => void,
): Server {
  const parts = partListener(intake, signer, limits, log);
  const server = createServer(serverOptions(limits), parts.listener);
  limitConnections(server, limits);
  server.once('close', () => parts.stop());
  return server;
}
