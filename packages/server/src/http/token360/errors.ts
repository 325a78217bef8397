import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { logFailure, toAppError } from '../plugins/errors.ts';
import { failure } from './envelope.ts';
import { ServiceError } from './service-codes.ts';

/** Uploads speak only multipart/form-data: any other body means the file was not sent as the spec asks. */
function rewrite(raw: FastifyError, request: FastifyRequest): AppError {
  const upload = request.method === 'POST' && request.routeOptions.url?.endsWith('/v1/assets');
  if (raw.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' && upload) {
    return new ServiceError(
      'UNIFIED_ASSET_FILE_REQUIRED',
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported Content-Type "${request.headers['content-type'] ?? ''}": send multipart/form-data with the file in a field named 'file'`,
    );
  }
  return toAppError(raw, request);
}

/**
 * Errors inside the prefix (the auth hook's, the routes', the framework's, unknown routes)
 * answer in the envelope instead of the /v1 error body. Registered in the dialect's own
 * encapsulated plugin, so the rest of the app keeps its handler.
 */
export function registerEnvelopeErrors(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const error = rewrite(raw, request);
    logFailure(request, error, raw);
    if (error.status === 401) reply.header('www-authenticate', 'Bearer realm="assetd"');
    // Passes by itself (the database coming back): the client is told when to retry.
    if (typeof error.details?.retryAfterSeconds === 'number') reply.header('retry-after', String(error.details.retryAfterSeconds));
    // Refused before its body was read to the end (a file over the limit): close the connection,
    // or the client keeps sending and the half-read socket stays open until it gives up.
    if (!request.raw.complete) reply.header('connection', 'close');
    return reply.status(error.status).send(failure(error));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new AppError('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} does not exist`);
    return reply.status(404).send(failure(error));
  });
}
