import type { UploadProvider, UploadSource } from '@assetd/contract/scenario';
import type { AssetOptions } from '../assets/asset-service.ts';
import type { UploadKind } from './upload-kinds.ts';
import type { UploadStatus } from './upload-lifecycle.ts';

export type { UploadProvider, UploadSource };

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
  /** Its public job id (Scenario's jobs resource); the queue job that processes it has the same id. */
  readonly jobId: string;
  readonly fileId: string;
  readonly storageKey: string;
  readonly multipartId: string | null;
  readonly expiresAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** 0–1 while an import downloads a file of known size. */
  readonly progress: number | null;
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

/** The job that takes an upload from its bytes to an asset: validation, description, the asset. */
export const PROCESS_UPLOAD_JOB = 'upload.process';

/**
 * The job that fetches an import's bytes (URL or model hub) and then queues its
 * `upload.process` job. Downloads have a pool of workers of their own (ASSETD_DOWNLOAD_CONCURRENCY).
 */
export const DOWNLOAD_UPLOAD_JOB = 'upload.download';
