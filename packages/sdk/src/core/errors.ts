import { type ErrorCode, isErrorCode } from '@assetd/contract/errors';

/** Every error the SDK throws is an AssetdError, so callers can tell ours from theirs. */
export class AssetdError extends Error {
  override name = 'AssetdError';
}

/** The server's error body: `{code, message, details?, requestId}`. */
interface ErrorBody {
  readonly code?: string;
  readonly message?: string;
  readonly details?: Record<string, unknown>;
  readonly requestId?: string;
}

/**
 * `code` is one of the API's error codes, or `HTTP_<status>` when something in between (a proxy, a
 * load balancer) answered without one.
 */
export type APIErrorCode = ErrorCode | `HTTP_${number}`;

/** The server answered with an error status. `code` is its stable error code, `requestId` names the request in its logs. */
export class APIError extends AssetdError {
  override name = 'APIError';
  readonly status: number;
  readonly code: APIErrorCode;
  readonly requestId: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Headers;

  constructor(status: number, body: ErrorBody | undefined, headers: Headers) {
    const code: APIErrorCode = isErrorCode(body?.code) ? body.code : `HTTP_${status}`;
    super(`${status} ${code}: ${body?.message ?? 'the server gave no message'}`);
    this.status = status;
    this.code = code;
    this.requestId = body?.requestId ?? headers.get('x-request-id') ?? undefined;
    this.details = body?.details;
    this.headers = headers;
  }

  /** The subclass for the status, so `catch (e) { if (e instanceof NotFoundError) … }` reads naturally. */
  static from(status: number, body: ErrorBody | undefined, headers: Headers): APIError {
    const Class = STATUS_CLASSES[status] ?? (status >= 500 ? InternalServerError : APIError);
    return new Class(status, body, headers);
  }
}

export class BadRequestError extends APIError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
export class ConflictError extends APIError {
  override name = 'ConflictError';
}
export class PayloadTooLargeError extends APIError {
  override name = 'PayloadTooLargeError';
}
export class UnsupportedMediaTypeError extends APIError {
  override name = 'UnsupportedMediaTypeError';
}
export class UnprocessableEntityError extends APIError {
  override name = 'UnprocessableEntityError';
}
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
}
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
}

const STATUS_CLASSES: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

/** No answer came: the connection failed or was cut. */
export class APIConnectionError extends AssetdError {
  override name = 'APIConnectionError';
  constructor(message = 'Connection error', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class APIConnectionTimeoutError extends APIConnectionError {
  override name = 'APIConnectionTimeoutError';
  constructor(timeoutMs: number) {
    super(`The request timed out after ${timeoutMs} ms`);
  }
}

/** The caller's AbortSignal fired. */
export class APIUserAbortError extends AssetdError {
  override name = 'APIUserAbortError';
  constructor(message = 'The request was aborted') {
    super(message);
  }
}

/** The upload reached `failed`: `errorMessage` says why (a corrupt file, a wrong type…). */
export class UploadFailedError extends AssetdError {
  override name = 'UploadFailedError';
  readonly uploadId: string;
  readonly errorMessage: string;
  readonly upload: { readonly id: string; readonly status: string; readonly errorMessage?: string };

  constructor(upload: { readonly id: string; readonly status: string; readonly errorMessage?: string }) {
    const errorMessage = upload.errorMessage ?? 'the server gave no reason';
    super(`Upload ${upload.id} failed: ${errorMessage}`);
    this.uploadId = upload.id;
    this.errorMessage = errorMessage;
    this.upload = upload;
  }
}

/**
 * Sending the parts failed after the upload was created. The upload is still pending on the
 * server: `client.upload(source, { resumeUploadId: error.uploadId })` sends only what is missing.
 */
export class UploadInterruptedError extends AssetdError {
  override name = 'UploadInterruptedError';
  readonly uploadId: string;

  constructor(uploadId: string, cause: unknown) {
    super(`Upload ${uploadId} was interrupted (${cause instanceof Error ? cause.message : String(cause)}); resume it with its id`, {
      cause,
    });
    this.uploadId = uploadId;
  }
}
