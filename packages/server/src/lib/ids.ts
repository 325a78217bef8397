import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 string; 24 characters carry about 143 bits. */
export function randomToken(length = 24): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: dropping bytes above it keeps every character equally likely.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export type IdPrefix = 'asset' | 'proj' | 'team' | 'key' | 'file' | 'collection' | 'upload' | 'job' | 'wh' | 'whd';

export const newId = (prefix: IdPrefix): string => `${prefix}_${randomToken()}`;

/** True when `value` has the shape of an id we issue with this prefix. */
export const isId = (prefix: IdPrefix, value: string): boolean =>
  value.length === prefix.length + 25 && value.startsWith(`${prefix}_`) && /^[0-9A-Za-z]+$/.test(value.slice(prefix.length + 1));
