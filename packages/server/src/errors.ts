import { ERROR_STATUS, type ErrorCode } from '@assetd/contract/errors';

export { ERROR_STATUS, type ErrorCode };

/**
 * One error type for the whole domain. Each code maps to one HTTP status in the contract's table;
 * dialects decide how the error looks on the wire, never which status it gets.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (code: ErrorCode, what: string, id: string) => new AppError(code, `${what} "${id}" was not found`);

export const invalid = (message: string, details?: Record<string, unknown>) => new AppError('VALIDATION_ERROR', message, details);
