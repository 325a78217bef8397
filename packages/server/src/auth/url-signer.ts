import { createHmac } from 'node:crypto';
import { AppError } from '../errors.ts';
import { safeEqual } from '../lib/hash.ts';

/**
 * HMAC-signed, expiring capabilities for URLs (file downloads, later part uploads). The
 * signature binds the purpose, the resource and the expiry, so a link cannot be reused for
 * another file, extended, or turned into another kind of link.
 */
export class UrlSigner {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  sign(purpose: string, resource: string, expiresAt: number): string {
    return createHmac('sha256', this.#secret).update(`${purpose}\n${resource}\n${expiresAt}`).digest('base64url');
  }

  /** Throws a 403 AppError unless `signature` is valid and `expires` (unix seconds) is in the future. */
  verify(purpose: string, resource: string, expires: string | undefined, signature: string | undefined, now = Date.now()): void {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires)) {
      throw new AppError('INVALID_SIGNATURE', 'This link is not signed: request a fresh URL from the API');
    }
    const expiresAt = Number(expires);
    if (!safeEqual(this.sign(purpose, resource, expiresAt), signature)) {
      throw new AppError('INVALID_SIGNATURE', 'This link has an invalid signature: request a fresh URL from the API');
    }
    if (expiresAt * 1000 <= now) {
      throw new AppError('URL_EXPIRED', 'This link has expired: request a fresh URL from the API');
    }
  }
}

/**
 * Expiry for a new link: at least `ttlSeconds` away, rounded up to a 5-minute step so the
 * same file gets the same URL for a while and browsers can cache it.
 */
export function linkExpiry(ttlSeconds: number, now = Date.now()): number {
  const step = 300;
  return Math.ceil((Math.floor(now / 1000) + ttlSeconds) / step) * step;
}
