import type { AssetOptions } from '../assets/asset-service.ts';
import type { UploadKind } from './upload-kinds.ts';

/**
 * `completing` is the intent recorded before storage joins the parts (with its target key,
 * the upload's `storageKey`): whoever finds it later can finish or undo the completion.
 */
export const UPLOAD_STATUSES = ['pending', 'completing', 'validating', 'validated', 'imported', 'failed', 'complete'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/**
 * The status clients see: spec 001 has no `completing`, and to a client an upload being
 * completed is still pending (its complete request has not answered yet).
 */
export const visibleStatus = (status: UploadStatus): UploadStatus => (status === 'completing' ? 'pending' : status);

export type UploadSource = 'multipart' | 'url' | 'huggingface' | 'civitai';
export type UploadProvider = 'huggingface' | 'civitai' | 'other';

/** An upload as the domain sees it (spec 001's `upload` object, before any dialect maps it). */
export interface Upload {
  readonly id: string;
  readonly projectId: string;
  readonly authorId: string;
  readonly kind: UploadKind;
  readonly source: UploadSource;
  readonly provider: UploadProvider | null;
  readonly status: UploadStatus;
  readonly fileName: string;
  readonly originalFileName: string | null;
  readonly contentType: string | null;
  readonly fileSize: number | null;
  readonly partsCount: number | null;
  readonly partSize: number | null;
  readonly assetOptions: AssetOptions | null;
  readonly url: string | null;
  readonly entityId: string | null;
  readonly errorMessage: string | null;
  readonly jobId: string | null;
  readonly fileId: string;
  readonly storageKey: string;
  readonly multipartId: string | null;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Where the client sends part n, until when. */
export interface PartLink {
  readonly number: number;
  readonly url: string;
  readonly expires: string;
}

/** Builds part URLs: the storage backend's own presigned URL, or a signed one on this server. */
export type PartLinker = (upload: Upload, partNumber: number, expiresAt: number) => Promise<string>;

/** The job that takes an upload from its bytes to an asset. */
export const PROCESS_UPLOAD_JOB = 'upload.process';
