export { choosePartPlan, DEFAULT_PART_BYTES, MAX_PARTS, MIN_PART_BYTES, type PartPlan, partRange } from '@assetd/contract/part-plan';
export { AssetdClient, AssetdClient as Client } from './client.ts';
export { APIPromise, type WithResponse } from './core/api-promise.ts';
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  type APIErrorCode,
  APIUserAbortError,
  AssetdError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UploadFailedError,
  UploadInterruptedError,
} from './core/errors.ts';
export type { ClientOptions, Fetch } from './core/options.ts';
export { Page, PagePromise } from './core/pagination.ts';
export type { RequestOptions } from './core/transport.ts';
export { srcsetOf } from './renditions.ts';
export type { AssetRetrieveOptions, Assets } from './resources/assets.ts';
export type { Collections } from './resources/collections.ts';
export type { AssetdEvent, EventStreamOptions, Events, EventType } from './resources/events.ts';
export { FINAL_JOB_STATUSES, type Jobs, type JobWaitOptions } from './resources/jobs.ts';
export type { Projects } from './resources/projects.ts';
export type { Uploads, WaitOptions } from './resources/uploads.ts';
export type * from './resources/webhooks.ts';
export type * from './types.ts';
export { extensionOf, type FileType, fileTypeFromName, KNOWN_EXTENSIONS } from './upload/kinds.ts';
export type { UploadSource } from './upload/source.ts';
export { SMALL_IMAGE_LIMIT, type UploadOptions, type UploadProgress } from './upload/upload.ts';
export { verifyWebhook, type WebhookHeaders, WebhookVerificationError } from './webhooks/verify.ts';
