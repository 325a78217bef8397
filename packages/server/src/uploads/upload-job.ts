import type { Upload } from './upload.ts';
import { type JobStatus, jobStatus } from './upload-lifecycle.ts';

/**
 * Scenario's job for an upload: a view derived from the upload's row and nothing else, so the
 * two can never disagree. Its id is the upload's `jobId`.
 */
export interface UploadJob {
  readonly jobId: string;
  readonly jobType: 'upload';
  readonly status: JobStatus;
  /** 0–1: an import's downloaded fraction while it downloads, 1 on success. */
  readonly progress: number;
  readonly authorId: string;
  readonly ownerId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly statusHistory: readonly { readonly status: JobStatus; readonly date: string }[];
  readonly metadata: {
    readonly input: {
      readonly uploadId: string;
      readonly fileName: string;
      readonly fileSize?: number;
      readonly contentType?: string;
      readonly kind: string;
      readonly source: string;
    };
    readonly output?: { readonly entityId: string };
    readonly assetIds?: readonly string[];
    readonly errorMessage?: string;
  };
}

export function toUploadJob(upload: Upload): UploadJob {
  const status = jobStatus(upload.status);
  const history: { status: JobStatus; date: string }[] = [{ status: 'queued', date: upload.createdAt }];
  if (upload.startedAt) history.push({ status: 'in-progress', date: upload.startedAt });
  if (status === 'success' || status === 'failure' || status === 'canceled') {
    history.push({ status, date: upload.endedAt ?? upload.updatedAt });
  }
  const imported = status === 'success' && upload.entityId !== null;
  return {
    jobId: upload.jobId,
    jobType: 'upload',
    status,
    progress: status === 'success' ? 1 : status === 'in-progress' ? (upload.progress ?? 0) : 0,
    authorId: upload.authorId,
    ownerId: upload.projectId,
    createdAt: upload.createdAt,
    updatedAt: upload.updatedAt,
    statusHistory: history,
    metadata: {
      input: {
        uploadId: upload.id,
        fileName: upload.fileName,
        ...(upload.fileSize !== null ? { fileSize: upload.fileSize } : {}),
        ...(upload.contentType ? { contentType: upload.contentType } : {}),
        kind: upload.kind,
        source: upload.source,
      },
      ...(imported ? { output: { entityId: upload.entityId as string }, assetIds: [upload.entityId as string] } : {}),
      ...((status === 'failure' || status === 'canceled') && upload.errorMessage ? { errorMessage: upload.errorMessage } : {}),
    },
  };
}
