import { AppError, type ErrorCode } from '../../errors.ts';

/**
 * The serviceCodes of spec 003 that assetd produces. Which one a failure gets is decided where
 * the dialect knows the context (the form field a group came from, whether the provider path
 * was asked for); everything else follows from the core's error code below.
 */
export type SpecServiceCode =
  | 'UNIFIED_ASSET_FILE_REQUIRED'
  | 'ASSET_FILE_REQUIRED'
  | 'ASSET_FILE_TOO_LARGE'
  | 'ASSET_FILE_TYPE_UNSUPPORTED'
  | 'UNIFIED_ASSET_GROUP_REQUIRED'
  | 'UNIFIED_ASSET_GROUP_NOT_FOUND'
  | 'ASSET_GROUP_NOT_FOUND'
  | 'ASSET_GROUP_NOT_ACTIVE'
  | 'ASSET_GROUP_TYPE_UNSUPPORTED';

/** An AppError whose serviceCode the dialect chose; its HTTP status still comes from the core's code. */
export class ServiceError extends AppError {
  readonly serviceCode: SpecServiceCode;

  constructor(serviceCode: SpecServiceCode, code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = 'ServiceError';
    this.serviceCode = serviceCode;
  }
}

/**
 * Core errors that are the spec's upload failures. The core cannot tell a too-large or
 * unreadable file apart by dialect, so the mapping is by code alone.
 */
const FROM_CORE: Partial<Record<ErrorCode, SpecServiceCode>> = {
  PAYLOAD_TOO_LARGE: 'ASSET_FILE_TOO_LARGE',
  UNSUPPORTED_FORMAT: 'ASSET_FILE_TYPE_UNSUPPORTED',
  UNHANDLED_IMAGE_FORMAT: 'ASSET_FILE_TYPE_UNSUPPORTED',
  UNPROCESSABLE_IMAGE: 'ASSET_FILE_TYPE_UNSUPPORTED',
  FORMAT_MISMATCH: 'ASSET_FILE_TYPE_UNSUPPORTED',
  // A group named in the form vanished between its lookup and the insert.
  COLLECTION_NOT_FOUND: 'UNIFIED_ASSET_GROUP_NOT_FOUND',
  COLLECTION_NOT_ACTIVE: 'ASSET_GROUP_NOT_ACTIVE',
};

/**
 * The serviceCode of a failure: the spec's code where one fits, otherwise the core's own
 * stable code (UNAUTHORIZED, ASSET_NOT_FOUND, VALIDATION_ERROR, NOT_FOUND, INTERNAL…).
 */
export function serviceCodeOf(error: AppError): string {
  if (error instanceof ServiceError) return error.serviceCode;
  return FROM_CORE[error.code] ?? error.code;
}
