import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { type FileStore, type StagedFile, TooLargeError } from '../../files/file-store.ts';
import { formParts, stageFormFile } from '../forms.ts';
import { type GroupFields, isProviderPath } from './groups.ts';
import { ServiceError } from './service-codes.ts';

/** Spec 003's form fields besides `file`. */
const FIELDS = ['name', 'groupId', 'assetGroupId', 'model'] as const;
type FieldName = (typeof FIELDS)[number];

/** A parsed upload form; the staged file is the caller's to consume or discard. */
export interface UploadForm extends GroupFields {
  readonly staged: StagedFile;
  /** The file's name as the client sent it, when it sent one. */
  readonly fileName: string | undefined;
  readonly name: string | undefined;
  /** Spec 003's target model for provider validation; assetd has no such validation and keeps no value. */
  readonly model: string | undefined;
}

const isField = (name: string): name is FieldName => (FIELDS as readonly string[]).includes(name);

export const formTooLarge = (limit: number) =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    `The file is larger than the ${limit.toLocaleString('en-US')} bytes a form upload may have: upload it in parts with POST /v1/uploads`,
    { limit },
  );

/**
 * Reads spec 003's multipart/form-data. The file streams to a staging file (hashed on the way)
 * and is cut off the moment it passes `limit`; it is never held in memory. Fields may come
 * before or after the file, so the group is resolved only once the form has been read.
 */
export async function readUploadForm(request: FastifyRequest, files: FileStore, limit: number): Promise<UploadForm> {
  if (!request.isMultipart()) {
    throw new ServiceError(
      'UNIFIED_ASSET_FILE_REQUIRED',
      'UNSUPPORTED_MEDIA_TYPE',
      "Send multipart/form-data with the file in a field named 'file'",
    );
  }
  let staged: StagedFile | undefined;
  let fileName: string | undefined;
  let fileAsText = false;
  const fields = new Map<FieldName, string>();
  try {
    for await (const part of formParts(request)) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || staged) {
          await drain(part);
          throw new AppError('VALIDATION_ERROR', `Unexpected file field "${part.fieldname}": send one file, in the field named 'file'`);
        }
        fileName = part.filename || undefined;
        staged = await stage(part, files, limit);
        continue;
      }
      if (part.fieldname === 'file') {
        fileAsText = true;
        continue;
      }
      if (!isField(part.fieldname)) {
        throw new AppError('VALIDATION_ERROR', `Unknown form field "${part.fieldname}": expected file, ${FIELDS.join(', ')}`);
      }
      fields.set(part.fieldname, String(part.value));
    }
    const groups = { groupId: fields.get('groupId'), assetGroupId: fields.get('assetGroupId') };
    if (!staged) {
      throw new ServiceError(
        isProviderPath(groups) ? 'ASSET_FILE_REQUIRED' : 'UNIFIED_ASSET_FILE_REQUIRED',
        'VALIDATION_ERROR',
        fileAsText
          ? "The 'file' field holds text, not a file: send the file's bytes as a file part (curl: -F file=@path)"
          : "The form has no file: send it in a field named 'file'",
      );
    }
    return { staged, fileName, name: fields.get('name'), model: fields.get('model'), ...groups };
  } catch (error) {
    await files.discard(staged);
    throw error;
  }
}

async function stage(part: MultipartFile, files: FileStore, limit: number): Promise<StagedFile> {
  try {
    return await stageFormFile(part, files, limit);
  } catch (error) {
    if (error instanceof TooLargeError) throw formTooLarge(limit);
    throw error;
  }
}

async function drain(part: MultipartFile): Promise<void> {
  for await (const _ of part.file) {
    // discard
  }
}
