import { describe, expect, it } from 'vitest';
import {
  canTransition,
  jobStatus,
  UPLOAD_STATUSES,
  UPLOAD_TRANSITIONS,
  type UploadStatus,
  type UploadTransition,
  uploadStatusesOf,
  visibleStatus,
} from './upload-lifecycle.ts';

/** Written out by hand, apart from the table, so a change to the table has to be made twice. */
const ALLOWED: Record<UploadTransition, readonly UploadStatus[]> = {
  beginDownload: ['pending', 'downloading'],
  downloaded: ['downloading'],
  beginCompletion: ['pending'],
  reopen: ['completing'],
  queueValidation: ['completing'],
  validate: ['validating'],
  import: ['validated'],
  fail: ['pending', 'downloading', 'completing', 'validating', 'validated'],
  expire: ['pending'],
  abort: ['pending', 'downloading'],
};

describe('the upload lifecycle', () => {
  const cases = (Object.keys(UPLOAD_TRANSITIONS) as UploadTransition[]).flatMap((transition) =>
    UPLOAD_STATUSES.map((status) => ({ transition, status, allowed: ALLOWED[transition].includes(status) })),
  );

  it.each(cases)('$transition from $status: allowed=$allowed', ({ transition, status, allowed }) => {
    expect(canTransition(transition, status)).toBe(allowed);
  });

  it('never leaves a final state', () => {
    for (const status of ['imported', 'failed', 'canceled'] as const) {
      for (const transition of Object.keys(UPLOAD_TRANSITIONS) as UploadTransition[]) expect(canTransition(transition, status)).toBe(false);
    }
  });

  it('shows clients only the statuses spec 001 has', () => {
    expect(UPLOAD_STATUSES.map(visibleStatus)).toEqual([
      'pending',
      'pending',
      'pending',
      'validating',
      'validated',
      'imported',
      'failed',
      'failed',
    ]);
  });

  it('derives the job status, and each job status stands for its upload statuses', () => {
    expect(UPLOAD_STATUSES.map(jobStatus)).toEqual([
      'queued',
      'in-progress',
      'in-progress',
      'in-progress',
      'in-progress',
      'success',
      'failure',
      'canceled',
    ]);
    expect(uploadStatusesOf('in-progress')).toEqual(['downloading', 'completing', 'validating', 'validated']);
    expect(uploadStatusesOf('canceled')).toEqual(['canceled']);
  });
});
