import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { type FileStore, type StagedFile, TooLargeError } from '../files/file-store.ts';
import { nulRefused } from './plugins/nul-guard.ts';

/** The 400 for a body that is not well-formed multipart/form-data. */
const malformed = (cause: unknown) =>
  new AppError(
    'VALIDATION_ERROR',
    `The multipart/form-data body is malformed (${cause instanceof Error ? cause.message : String(cause)}): send a complete form with a boundary in its Content-Type`,
    undefined,
    cause,
  );

/**
 * What the parser throws for the client's bytes: busboy's plain errors (no boundary, truncated
 * or garbled parts) and @fastify/multipart's 4xx. An error with an errno code is the server's
 * own (a full disk) and a domain error is already answered; neither is the form's fault.
 */
function isFormError(error: unknown): boolean {
  if (error instanceof AppError) return false;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number') return statusCode >= 400 && statusCode < 500;
  return !(typeof code === 'string' && /^E[A-Z]+$/.test(code));
}

/**
 * The parts of a multipart/form-data request, each checked for NUL characters (field names,
 * file names, values) before anyone reads it; a malformed body is a 400 with what was wrong,
 * never a 500. The same reader for the forms of both dialects.
 */
export async function* formParts(request: FastifyRequest): AsyncGenerator<Multipart> {
  const parts = request.parts() as AsyncIterableIterator<Multipart>;
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      throw isFormError(error) ? malformed(error) : error;
    }
    if (next.done) return;
    const part = next.value;
    if (part.fieldname.includes('\u0000')) throw nulRefused('form', 'a field name');
    if (part.type === 'file' && part.filename?.includes('\u0000')) throw nulRefused('form', `${part.fieldname} (its file name)`);
    if (part.type === 'field' && String(part.value).includes('\u0000')) throw nulRefused('form', part.fieldname);
    yield part;
  }
}

/** Streams a form's file to a staging file; the form ending early is the client's 400 (TooLargeError passes through). */
export async function stageFormFile(part: MultipartFile, files: FileStore, limit: number): Promise<StagedFile> {
  try {
    return await files.stageStream(part.file, limit);
  } catch (error) {
    throw isFormError(error) && !(error instanceof TooLargeError) ? malformed(error) : error;
  }
}
