import { describe, expect, it } from 'vitest';
import { isRetryableStatus, retryDelayMs } from './retry.ts';

describe('retries', () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([400, 401, 404, 408, 409, 413, 429, 500, 503].filter((status) => isRetryableStatus(status))).toEqual([408, 429, 500, 503]);
    // A conflict the server says will pass (a completion in progress) is retried; others are not.
    expect(isRetryableStatus(409, new Headers({ 'retry-after': '2' }))).toBe(true);
    expect(isRetryableStatus(400, new Headers({ 'retry-after': '2' }))).toBe(false);
  });

  it('honours Retry-After in seconds, as a date, and retry-after-ms', () => {
    expect(retryDelayMs(1, new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryDelayMs(1, new Headers({ 'retry-after-ms': '150' }))).toBe(150);
    const inThreeSeconds = new Date(Date.now() + 3000).toUTCString();
    expect(retryDelayMs(1, new Headers({ 'retry-after': inThreeSeconds }))).toBeGreaterThan(1000);
  });

  it('backs off exponentially with jitter when the server says nothing usable', () => {
    for (const attempt of [1, 2, 3, 10]) {
      const cap = Math.min(500 * 2 ** (attempt - 1), 8000);
      const delay = retryDelayMs(attempt, new Headers({ 'retry-after': '9999' }));
      expect(delay).toBeLessThanOrEqual(cap);
      expect(delay).toBeGreaterThanOrEqual(cap * 0.75);
    }
  });
});
