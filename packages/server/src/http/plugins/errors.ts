import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { databaseUnavailability } from '../../db/unavailable.ts';
import { AppError, type ErrorCode } from '../../errors.ts';
import { isOutOfSpace } from '../../files/disk-room.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The message a client gets when its body is over the route's limit. */
    tooLargeMessage?: string;
  }
}

/** The wire shape of every error of the /v1 API. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  requestId: string;
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'UNSUPPORTED_MEDIA_TYPE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  429: 'TOO_MANY_REQUESTS',
};

/**
 * How long a client should wait before trying again: a lost or unreachable database takes
 * seconds to come back (a restart, a failover, a new connection); a busy one less.
 */
export const DATABASE_RETRY_AFTER_SECONDS = { unreachable: 5, busy: 2 } as const;

/** Rewrites framework errors (parsing, validation, limits) as AppErrors with messages a client can act on. */
export function toAppError(error: FastifyError, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    const first = error.validation[0];
    const path = first?.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
    const message = first ? `${path} ${first.message ?? 'is invalid'}` : error.message;
    return new AppError('VALIDATION_ERROR', message, {
      errors: error.validation.map((v) => ({ path: v.instancePath, message: v.message })),
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', request.routeOptions.config.tooLargeMessage ?? 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Unsupported Content-Type "${request.headers['content-type'] ?? ''}": send application/json`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'The JSON body is empty: send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_ERROR', `Malformed JSON body: ${error.message}`);
  }
  if (error instanceof SyntaxError) return new AppError('VALIDATION_ERROR', `Malformed JSON body: ${error.message}`);
  if (isOutOfSpace(error)) {
    return new AppError(
      'INSUFFICIENT_STORAGE',
      'The server is out of disk space, so nothing was stored: retry once its operator has freed some (deleting assets works meanwhile)',
      undefined,
      error,
    );
  }
  // The client went away before its request was whole (it aborted, or was cut off as too slow):
  // the body's stream fails with ECONNRESET, which is no fault here, least of all the database's.
  if (!request.raw.complete && request.raw.destroyed) {
    return new AppError('REQUEST_INCOMPLETE', 'The connection closed before the request was whole: send it again', undefined, error);
  }
  const unavailable = databaseUnavailability(error);
  if (unavailable) {
    const message =
      unavailable === 'busy'
        ? 'The database is too busy to answer in time: retry shortly'
        : 'The database cannot be reached right now: retry shortly';
    return new AppError('DATABASE_UNAVAILABLE', message, { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS[unavailable] }, error);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new AppError(CODE_FOR_STATUS[status] ?? 'VALIDATION_ERROR', error.message);
  }
  return new AppError('INTERNAL', 'Internal server error', undefined, error);
}

/**
 * Logs a failed request: one info line for the client's own mistakes and for a client that went
 * away mid-request (its socket closed: nothing is wrong here, and no one is left to answer), a
 * warning for an unreachable database, a stack trace only for what is really a server error.
 */
export function logFailure(request: FastifyRequest, error: AppError, raw: unknown): void {
  if (error.status >= 500 && (request.raw.destroyed || request.raw.readableAborted)) {
    request.log.info({ code: 'CLIENT_CLOSED', cause: String(raw) }, 'the client closed the connection before the request ended');
  } else if (error.code === 'DATABASE_UNAVAILABLE') request.log.warn({ code: error.code, cause: String(raw) }, error.message);
  else if (error.status >= 500) request.log.error({ err: raw }, 'request failed');
  else request.log.info({ code: error.code, status: error.status }, error.message);
}

export interface ErrorHandlerOptions {
  /** Given a missing route first; true when it answered (the web library's own client-side routes). */
  readonly notFound?: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

export function registerErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((raw: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const error = toAppError(raw, request);
    logFailure(request, error, raw);
    const body: ErrorBody = { code: error.code, message: error.message, requestId: request.id };
    if (error.details) body.details = error.details;
    // A page's own fetch (Sec-Fetch-Mode cors or same-origin) is not challenged: browsers answer a
    // Basic challenge with their login dialog, over the page that asked (the web library's sign-in).
    const fromScript = (request.headers['sec-fetch-mode'] ?? 'navigate') !== 'navigate';
    if (error.status === 401 && !fromScript) reply.header('www-authenticate', 'Basic realm="assetd"');
    // A conflict or an outage that passes by itself (a completion in progress, the database
    // coming back): the client is told when to retry.
    if (typeof error.details?.retryAfterSeconds === 'number') reply.header('retry-after', String(error.details.retryAfterSeconds));
    // Answered before the body was read to its end (too large, refused early): the rest of it
    // is still on the wire, so the connection cannot be reused for another request.
    if (!request.raw.complete) reply.header('connection', 'close');
    return reply.status(error.status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.notFound?.(request, reply)) return reply;
    const body: ErrorBody = {
      code: 'NOT_FOUND',
      message: `Route ${request.method} ${request.url.split('?')[0]} does not exist`,
      requestId: request.id,
    };
    return reply.status(404).send(body);
  });
}
