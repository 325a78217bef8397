/**
 * What can go wrong with a multipart upload in any backend, as errors the part endpoint and
 * the upload service map to HTTP: no backend's own error types leak above the storage layer.
 */

export class PartTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`part larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/** The multipart upload does not exist (any more): completed, aborted or swept. */
export class UnknownMultipartError extends Error {}

/** The multipart upload is being completed: it takes no more parts. */
export class MultipartSealedError extends Error {}

/**
 * Completion found the parts other than listed: one was replaced since, or is still being
 * received. The upload stays open; completing again (after the PUTs end) lists them afresh.
 */
export class MultipartChangedError extends Error {}
