import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './progress-view.ts';

describe('progress figures', () => {
  it('prints sizes in decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(12_500_000)).toBe('12.5 MB');
    expect(formatBytes(1_000_000_000_000)).toBe('1.0 TB');
  });

  it('prints the time left in seconds, minutes or hours', () => {
    expect(formatDuration(-3)).toBe('0s');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3 * 3600 + 7 * 60 + 30)).toBe('3h07m');
  });
});
