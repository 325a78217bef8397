import { describe, expect, it } from 'vitest';
import { checkIntervalMs, RateWatch } from './min-rate.ts';

/** Feeds `perTick` bytes before each check, every `tickMs`, and returns the first verdict against the rule. */
function run(watch: RateWatch, perTick: (tick: number) => number, tickMs: number, ticks: number) {
  for (let tick = 1; tick <= ticks; tick++) {
    watch.add(perTick(tick));
    const verdict = watch.check(tick * tickMs);
    if (verdict) return { tick, verdict };
  }
  return undefined;
}

describe('RateWatch', () => {
  const rule = { bytesPerSecond: 1000, windowMs: 4000 };

  it('judges nothing before a whole window has passed, even with no byte at all', () => {
    expect(run(new RateWatch(rule, 0), () => 0, 1000, 3)).toBeUndefined();
    expect(run(new RateWatch(rule, 0), () => 0, 1000, 4)).toMatchObject({ tick: 4, verdict: { bytes: 0, spanMs: 4000 } });
  });

  it('keeps a transfer at or above the rate, however it is spread inside the window', () => {
    expect(run(new RateWatch(rule, 0), () => 1000, 1000, 100)).toBeUndefined();
    // Bursty: 4000 bytes once every four seconds is 1000 B/s over every window that holds one burst.
    expect(run(new RateWatch(rule, 0), (tick) => (tick % 4 === 1 ? 4000 : 0), 1000, 100)).toBeUndefined();
  });

  it('cuts off a transfer below the rate over the last window, whatever came before', () => {
    // Fast for ten seconds, then 100 B/s: found once a whole window is slow.
    const result = run(new RateWatch(rule, 0), (tick) => (tick <= 10 ? 50_000 : 100), 1000, 100);
    expect(result).toMatchObject({ tick: 14, verdict: { spanMs: 4000, bytes: 400, bytesPerSecond: 100 } });
  });

  it('is not reset by a byte now and then, as an idle timer is', () => {
    const result = run(new RateWatch(rule, 0), () => 1, 1000, 100);
    expect(result?.tick).toBe(4);
    expect(result?.verdict.bytesPerSecond).toBe(1);
  });

  it('with a rate of 0 asks only for some byte in every window', () => {
    const idle = { bytesPerSecond: 0, windowMs: 4000 };
    expect(run(new RateWatch(idle, 0), () => 1, 1000, 100)).toBeUndefined();
    expect(run(new RateWatch(idle, 0), (tick) => (tick < 5 ? 1 : 0), 1000, 100)?.tick).toBe(8);
  });

  it('checks four times a window, at most once a second', () => {
    expect(checkIntervalMs({ bytesPerSecond: 1, windowMs: 60_000 })).toBe(1000);
    expect(checkIntervalMs({ bytesPerSecond: 1, windowMs: 1000 })).toBe(250);
    expect(checkIntervalMs({ bytesPerSecond: 1, windowMs: 40 })).toBe(25);
  });
});
