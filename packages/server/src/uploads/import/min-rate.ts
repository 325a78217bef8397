/**
 * The slowest a transfer may be: on average at least `bytesPerSecond` over any `windowMs`, and
 * never a whole window without a byte (with `bytesPerSecond` 0, that is the whole rule).
 */
export interface MinRate {
  readonly bytesPerSecond: number;
  readonly windowMs: number;
}

/** How the last window went, when it broke the rule. */
export interface TooSlow {
  /** The window actually measured: `windowMs`, or up to one check interval more. */
  readonly spanMs: number;
  readonly bytes: number;
  readonly bytesPerSecond: number;
}

/** How often a transfer is checked: often enough that the window measured is at most a quarter longer. */
export const checkIntervalMs = (rule: MinRate) => Math.min(1000, Math.max(25, Math.floor(rule.windowMs / 4)));

/**
 * Holds a transfer to a MinRate over a sliding window. Unlike an idle timer, which any byte
 * resets (a source sending one byte a minute held a download slot for the whole deadline), this
 * asks how much arrived in the last window. The time before the first byte (connecting,
 * waiting for headers, redirects) counts like any other.
 */
export class RateWatch {
  readonly #rule: MinRate;
  /** The byte count at each check, oldest first; only those the next window may start at are kept. */
  readonly #samples: Array<{ readonly at: number; readonly bytes: number }>;
  #bytes = 0;

  constructor(rule: MinRate, startedAt: number) {
    this.#rule = rule;
    this.#samples = [{ at: startedAt, bytes: 0 }];
  }

  /** Counts bytes as they arrive. */
  add(bytes: number): void {
    this.#bytes += bytes;
  }

  /** Undefined while the transfer keeps to the rule (or is younger than a window); else how slow it was. */
  check(now: number): TooSlow | undefined {
    const samples = this.#samples;
    samples.push({ at: now, bytes: this.#bytes });
    // The window starts at the newest sample that is at least a window old.
    let start = -1;
    for (let i = samples.length - 1; i >= 0; i--) {
      if (now - (samples[i] as { at: number }).at >= this.#rule.windowMs) {
        start = i;
        break;
      }
    }
    if (start < 0) return undefined;
    samples.splice(0, start);
    const from = samples[0] as { at: number; bytes: number };
    const spanMs = now - from.at;
    const bytes = this.#bytes - from.bytes;
    const bytesPerSecond = (bytes * 1000) / spanMs;
    if (bytes > 0 && bytesPerSecond >= this.#rule.bytesPerSecond) return undefined;
    return { spanMs, bytes, bytesPerSecond };
  }
}
