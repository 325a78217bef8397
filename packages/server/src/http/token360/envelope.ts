import type { AppError } from '../../errors.ts';
import { serviceCodeOf } from './service-codes.ts';

/** Spec 003's response envelope, on success and on failure alike. */
export interface Envelope<T> {
  /** 0 on success; on failure the HTTP status, so it is never 0 and always agrees with the response. */
  readonly code: number;
  readonly data: T | null;
  readonly msg: string;
  /** Null on success; on failure a stable name of what went wrong. */
  readonly serviceCode: string | null;
}

export const success = <T>(data: T, msg = 'success'): Envelope<T> => ({ code: 0, data, msg, serviceCode: null });

export const failure = (error: AppError): Envelope<null> => ({
  code: error.status,
  data: null,
  msg: error.message,
  serviceCode: serviceCodeOf(error),
});
