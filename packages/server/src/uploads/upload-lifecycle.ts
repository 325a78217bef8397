import { JOB_STATUSES, type JobStatus, VISIBLE_UPLOAD_STATUSES, type VisibleUploadStatus } from '@assetd/contract/scenario';
/**
 * The upload lifecycle in one place: every state, every allowed move between them, and how each
 * state looks to clients (spec 001's upload status, Scenario's job status). Everything that
 * changes an upload's state goes through one of the named transitions below, as a conditional
 * update whose result the caller checks: a transition that did not happen means another request
 * or process moved the upload first.
 *
 * ```
 *            ┌──────────── abort ─────────────┐
 * pending ──beginDownload──▶ downloading ──downloaded──┐
 *    │  ▲                                     │        ▼
 *    │  └reopen── completing ◀─beginCompletion┘   validating ─validate─▶ validated ─import─▶ imported
 *    │              └──────────queueValidation───────▲
 *    └─ expire / fail ─▶ failed ◀── fail (any unfinished state)      abort ─▶ canceled
 * ```
 */
export const UPLOAD_STATUSES = [
  'pending',
  'downloading',
  'completing',
  'validating',
  'validated',
  'imported',
  'failed',
  'canceled',
] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

// The wire's upload statuses (spec 001; `complete` is the spec's, assetd never reaches it) and job statuses.
export { JOB_STATUSES, type JobStatus, VISIBLE_UPLOAD_STATUSES, type VisibleUploadStatus };

interface Transition {
  readonly from: readonly UploadStatus[];
  readonly to: UploadStatus;
}

export const UPLOAD_TRANSITIONS = {
  /** An import's job starts (or, after a crash or a retry, restarts) its download. */
  beginDownload: { from: ['pending', 'downloading'], to: 'downloading' },
  /** The downloaded bytes are stored: validation comes next. */
  downloaded: { from: ['downloading'], to: 'validating' },
  /** `action: complete` records its intent before storage joins the parts. */
  beginCompletion: { from: ['pending'], to: 'completing' },
  /** The parts had a problem the client can fix: back to taking parts. */
  reopen: { from: ['completing'], to: 'pending' },
  /** The parts are joined and a job is queued to validate them. */
  queueValidation: { from: ['completing'], to: 'validating' },
  validate: { from: ['validating'], to: 'validated' },
  import: { from: ['validated'], to: 'imported' },
  /** The file or its import failed for good. */
  fail: { from: ['pending', 'downloading', 'completing', 'validating', 'validated'], to: 'failed' },
  /** A pending upload's time ran out. */
  expire: { from: ['pending'], to: 'failed' },
  /** The client gave it up: its parts are dropped, a running download is cancelled. */
  abort: { from: ['pending', 'downloading'], to: 'canceled' },
} as const satisfies Record<string, Transition>;

export type UploadTransition = keyof typeof UPLOAD_TRANSITIONS;

const TERMINAL: ReadonlySet<UploadStatus> = new Set(['imported', 'failed', 'canceled']);

export const isTerminal = (status: UploadStatus): boolean => TERMINAL.has(status);

/** Whether `transition` may move an upload that is in `status`. */
export const canTransition = (transition: UploadTransition, status: UploadStatus): boolean =>
  (UPLOAD_TRANSITIONS[transition].from as readonly UploadStatus[]).includes(status);

/**
 * The status clients see. Spec 001 has neither `completing` nor `downloading` (to a client both
 * are still pending: its complete request has not answered, or the file is not here yet), nor
 * `canceled` (an aborted upload is failed, with the reason in its errorMessage).
 */
export function visibleStatus(status: UploadStatus): VisibleUploadStatus {
  switch (status) {
    case 'completing':
    case 'downloading':
      return 'pending';
    case 'canceled':
      return 'failed';
    default:
      return status;
  }
}

/** The job status a Scenario client polls for, derived from the upload's state and nothing else. */
export function jobStatus(status: UploadStatus): JobStatus {
  switch (status) {
    case 'pending':
      return 'queued';
    case 'downloading':
    case 'completing':
    case 'validating':
    case 'validated':
      return 'in-progress';
    case 'imported':
      return 'success';
    case 'failed':
      return 'failure';
    case 'canceled':
      return 'canceled';
  }
}

/** The upload statuses a job status stands for, to filter jobs in the database. */
export const uploadStatusesOf = (status: JobStatus): UploadStatus[] => UPLOAD_STATUSES.filter((s) => jobStatus(s) === status);

/** The upload statuses a visible (spec 001) status stands for, to filter uploads in the database. */
export const statusesShownAs = (status: VisibleUploadStatus): UploadStatus[] => UPLOAD_STATUSES.filter((s) => visibleStatus(s) === status);

/** The statuses whose first entry stamps `started_at`, and those that stamp `ended_at`. */
export const stampsStart = (status: UploadStatus): boolean => jobStatus(status) === 'in-progress';
export const stampsEnd = isTerminal;
