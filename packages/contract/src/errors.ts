/**
 * Every error code the API answers with, and the HTTP status each one always has. The server
 * raises only these; the OpenAPI document lists them as an enum; the SDK types `error.code` with
 * them. Clients should branch on the code, never on the message.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_BASE64: 400,
  UNHANDLED_IMAGE_FORMAT: 400,
  /** Size parameters on a file link of something that is not an image. */
  RENDITION_UNSUPPORTED: 400,
  MISSING_IMAGE: 400,
  INVALID_PAGINATION_TOKEN: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INVALID_SIGNATURE: 403,
  URL_EXPIRED: 403,
  NOT_FOUND: 404,
  ASSET_NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  COLLECTION_NOT_FOUND: 404,
  COLLECTION_NOT_ACTIVE: 409,
  FILE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_IMAGE: 422,
  UNSUPPORTED_FORMAT: 422,
  FORMAT_MISMATCH: 422,
  UPLOAD_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  UPLOAD_NOT_COMPLETABLE: 400,
  /** The client closed the connection (or was cut off as too slow) before its request was whole. */
  REQUEST_INCOMPLETE: 400,
  UPLOAD_STATE: 409,
  UPLOAD_COMPLETING: 409,
  PART_TOO_LARGE: 413,
  /** The project's stored bytes or asset count would pass its quota (quotas/). */
  QUOTA_EXCEEDED: 413,
  TOO_MANY_REQUESTS: 429,
  /** A rate limit (failed authentications per address, requests per key, upload creations per project). */
  RATE_LIMITED: 429,
  TOO_MANY_PENDING_UPLOADS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
  /** The database is unreachable or too busy to answer in time: it passes, so retry (Retry-After). */
  DATABASE_UNAVAILABLE: 503,
  // Imports from a URL or a model hub (uploads/import).
  IMPORT_INVALID_URL: 400,
  IMPORT_URL_FORBIDDEN: 403,
  IMPORT_TOO_LARGE: 413,
  IMPORT_NO_MODEL_FILE: 422,
  IMPORT_FAILED: 502,
  IMPORT_TIMEOUT: 504,
  IMPORT_CANCELED: 409,
  /** A stream resumed from an event id older than the retention window: events were missed. */
  EVENTS_MISSED: 410,
  WEBHOOK_NOT_FOUND: 404,
  DELIVERY_NOT_FOUND: 404,
  /** A webhook URL that may not be called: not http(s), malformed, or a private address not allowed. */
  WEBHOOK_URL_INVALID: 400,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The codes, for an enum in a schema. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** Whether a string is one of the API's error codes (a proxy in between may answer with anything). */
export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
