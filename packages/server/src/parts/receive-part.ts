import type { Readable } from 'node:stream';
import { maxPartSize } from '@assetd/contract/part-plan';
import type { UrlSigner } from '../auth/url-signer.ts';
import { AppError } from '../errors.ts';
import { MultipartSealedError, PartTooLargeError, UnknownMultipartError } from '../storage/part-errors.ts';
import type { PartIntake, StoredPart } from '../storage/storage.ts';

export const PART_LINK_PURPOSE = 'part';

/**
 * What a part URL's signature binds: the upload, the part and the upload's multipart id, so
 * that a receiver without the database (the part-receiver process) knows where the bytes go.
 */
export const partResource = (uploadId: string, partNumber: number, multipartId: string) => `${uploadId}/${partNumber}/${multipartId}`;

/** One part PUT as either server parsed it: the path, the query, the length header and the body stream. */
export interface PartPut {
  readonly uploadId: string;
  readonly partNumber: number;
  readonly multipartId: string;
  readonly expires: string | undefined;
  readonly signature: string | undefined;
  readonly contentLength: string | undefined;
  readonly body: Readable;
}

/**
 * The one part endpoint: the same rules whether the API process (`http/parts.ts`) or the
 * part-receiver process (`parts/part-receiver.ts`) serves it; both only adapt HTTP to it.
 *
 * The signature authorises. Whether the upload still takes parts is read from the multipart
 * upload itself, not the database: it exists only while the upload is pending (completion,
 * abort and expiry remove it), it is sealed the moment completion begins, and its plan carries
 * the upload's expiry. So the part receiver needs no database and both servers decide alike.
 */
export function createPartHandler(intake: PartIntake, signer: UrlSigner): (put: PartPut) => Promise<StoredPart> {
  return async (put) => {
    const { uploadId, partNumber, multipartId } = put;
    // The signature first: nothing about an upload is told to an unsigned request.
    signer.verify(PART_LINK_PURPOSE, partResource(uploadId, partNumber, multipartId), put.expires, put.signature);
    try {
      const plan = await intake.plan(multipartId);
      if (plan.expiresAt && Date.parse(plan.expiresAt) <= Date.now()) {
        throw new AppError('UPLOAD_STATE', `Upload "${uploadId}" has expired: create a new upload`);
      }
      if (partNumber > plan.partsCount) {
        throw new AppError('VALIDATION_ERROR', `part ${partNumber} is outside this upload's ${plan.partsCount} parts`);
      }
      const length = put.contentLength === undefined ? undefined : Number(put.contentLength);
      return await intake.writePart(multipartId, partNumber, put.body, length, maxPartSize(plan, partNumber), plan);
    } catch (error) {
      if (error instanceof PartTooLargeError) {
        throw new AppError('PART_TOO_LARGE', `Part ${partNumber} is larger than the ${error.limit} bytes it may have in this upload`);
      }
      if (error instanceof MultipartSealedError) {
        throw new AppError('UPLOAD_STATE', `Upload "${uploadId}" is being completed: it takes no more parts`);
      }
      if (error instanceof UnknownMultipartError) throw new AppError('UPLOAD_STATE', `Upload "${uploadId}" no longer takes parts`);
      throw error;
    }
  };
}
