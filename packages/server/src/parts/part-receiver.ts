import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UrlSigner } from '../auth/url-signer.ts';
import { AppError } from '../errors.ts';
import { PART_LINK_PURPOSE, partResource } from '../http/part-links.ts';
import { type LocalMultipart, PartTooLargeError, UnknownMultipartError } from '../storage/local/local-multipart.ts';
import { maxPartSize } from '../uploads/part-plan.ts';

const PART_PATH = /^\/uploads\/(upload_[0-9A-Za-z]{24})\/parts\/([1-9][0-9]{0,4})$/;

/** The same JSON errors as the API's, for the few ways a part PUT can go wrong. */
function fail(response: ServerResponse, request: IncomingMessage, status: number, code: string, message: string): void {
  // Refused before the body was read to its end: the rest is still on the wire.
  if (!request.complete) response.setHeader('connection', 'close');
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ code, message }));
}

/**
 * The part endpoint of the local backend, on plain node:http for a process of its own: the
 * signed URL says everything (upload, part, multipart id, expiry), so it needs no database,
 * and its small heap keeps the garbage collector's work per byte close to a bare server's.
 * An aborted, completed, swept or expired upload has no multipart folder any more: its URLs
 * are refused like the API's.
 */
export function createPartReceiver(parts: LocalMultipart, signer: UrlSigner, onError: (error: unknown) => void) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // Browsers upload parts from other origins; they must be able to read the ETag.
    response.setHeader('access-control-allow-origin', '*');
    response.setHeader('access-control-expose-headers', 'ETag');
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
    const partNumber = Number(number);
    const multipartId = url.searchParams.get('part') ?? '';
    try {
      signer.verify(
        PART_LINK_PURPOSE,
        partResource(uploadId, partNumber, multipartId),
        url.searchParams.get('expires') ?? undefined,
        url.searchParams.get('signature') ?? undefined,
      );
      const plan = await parts.plan(multipartId);
      if (partNumber > plan.partsCount)
        throw new AppError('VALIDATION_ERROR', `part ${partNumber} is outside this upload's ${plan.partsCount} parts`);
      const header = request.headers['content-length'];
      const stored = await parts.writePart(
        multipartId,
        partNumber,
        request,
        header === undefined ? undefined : Number(header),
        maxPartSize(plan, partNumber),
        plan,
      );
      response.writeHead(200, { etag: stored.etag });
      response.end();
    } catch (error) {
      if (error instanceof AppError) return fail(response, request, error.status, error.code, error.message);
      if (error instanceof PartTooLargeError) {
        return fail(
          response,
          request,
          413,
          'PART_TOO_LARGE',
          `Part ${partNumber} is larger than the ${error.limit} bytes it may have in this upload`,
        );
      }
      if (error instanceof UnknownMultipartError)
        return fail(response, request, 409, 'UPLOAD_STATE', `Upload "${uploadId}" no longer takes parts`);
      onError(error);
      if (!response.headersSent) fail(response, request, 500, 'INTERNAL', 'Internal server error');
      else response.destroy();
    }
  };
}
