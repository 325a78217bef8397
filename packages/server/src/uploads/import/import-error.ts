import { AppError } from '../../errors.ts';

export type ImportErrorCode =
  | 'IMPORT_INVALID_URL'
  | 'IMPORT_URL_FORBIDDEN'
  | 'IMPORT_TOO_LARGE'
  | 'IMPORT_NO_MODEL_FILE'
  | 'IMPORT_FAILED'
  | 'IMPORT_TIMEOUT'
  | 'IMPORT_CANCELED';

/**
 * A failed import. `retryable` tells the job runner whether another attempt may succeed (lost
 * connections, 5xx) or can only fail the same way (forbidden targets, 4xx, oversize files) or
 * is not worth the slot it would hold (timeouts: past the deadline or under the minimum rate);
 * it is always set, because the runner retries errors that do not say.
 */
export class ImportError extends AppError {
  readonly retryable: boolean;

  constructor(code: ImportErrorCode, message: string, options: { retryable: boolean; details?: Record<string, unknown>; cause?: unknown }) {
    super(code, message, options.details, options.cause);
    this.name = 'ImportError';
    this.retryable = options.retryable;
  }
}

export const isRetryableImportError = (error: unknown): boolean => error instanceof ImportError && error.retryable;

export const invalidImportUrl = (message: string) => new ImportError('IMPORT_INVALID_URL', message, { retryable: false });

export const importFailed = (message: string, retryable: boolean, details?: Record<string, unknown>, cause?: unknown) =>
  new ImportError('IMPORT_FAILED', message, { retryable, details, cause });

export const importTooLarge = (host: string, maxBytes: number) =>
  new ImportError('IMPORT_TOO_LARGE', `The file at ${host} is larger than the import limit of ${maxBytes} bytes`, {
    retryable: false,
    details: { maxBytes },
  });
