import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { linkExpiry, UrlSigner } from './url-signer.ts';

describe('UrlSigner', () => {
  const signer = new UrlSigner('a'.repeat(32));
  const now = Date.UTC(2026, 0, 1);
  const expires = now / 1000 + 600;

  it('accepts its own signature until the expiry', () => {
    const signature = signer.sign('file', 'file_1', expires);
    expect(() => signer.verify('file', 'file_1', String(expires), signature, now)).not.toThrow();
  });

  it.each([
    ['another resource', 'file', 'file_2', expires],
    ['another purpose', 'part', 'file_1', expires],
    ['another expiry', 'file', 'file_1', expires + 1],
  ])('refuses a signature reused for %s', (_label, purpose, resource, at) => {
    const signature = signer.sign('file', 'file_1', expires);
    expect(() => signer.verify(purpose as string, resource as string, String(at), signature, now)).toThrow(/invalid signature/);
  });

  it('refuses an expired link, a missing signature and a foreign secret', () => {
    const signature = signer.sign('file', 'file_1', expires);
    const error = (() => {
      try {
        signer.verify('file', 'file_1', String(expires), signature, (expires + 1) * 1000);
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error?.code).toBe('URL_EXPIRED');
    expect(() => signer.verify('file', 'file_1', String(expires), undefined, now)).toThrow(/not signed/);
    expect(() => signer.verify('file', 'file_1', '12e3', signature, now)).toThrow(/not signed/);
    const other = new UrlSigner('b'.repeat(32));
    expect(() => other.verify('file', 'file_1', String(expires), signature, now)).toThrow(/invalid signature/);
  });

  it('rounds expiries up to 5-minute steps, at least the TTL away', () => {
    const at = Date.UTC(2026, 0, 1, 0, 1, 7);
    const expiry = linkExpiry(3600, at);
    expect(expiry % 300).toBe(0);
    expect(expiry * 1000 - at).toBeGreaterThanOrEqual(3600_000);
    expect(expiry * 1000 - at).toBeLessThan(3900_000);
    expect(linkExpiry(3600, at + 1000)).toBe(expiry);
  });
});
