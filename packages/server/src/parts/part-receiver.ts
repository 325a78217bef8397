import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UrlSigner } from '../auth/url-signer.ts';
import { AppError } from '../errors.ts';
import type { PartIntake } from '../storage/storage.ts';
import { createPartHandler } from './receive-part.ts';

const PART_PATH = /^\/uploads\/(upload_[0-9A-Za-z]{24})\/parts\/([1-9][0-9]{0,4})$/;

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
export function createPartReceiver(intake: PartIntake, signer: UrlSigner, onError: (error: unknown) => void) {
  const receive = createPartHandler(intake, signer);
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
