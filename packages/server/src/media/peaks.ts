/** How many min/max pairs a waveform has at most: enough for a full-width player. */
export const WAVEFORM_PAIRS = 1000;

/** A waveform's peaks: per bucket of consecutive samples, the lowest and the highest, in [-1, 1]. */
export interface Peaks {
  readonly samplesPerBucket: number;
  readonly min: Float32Array;
  readonly max: Float32Array;
  /** Samples seen in all. */
  readonly samples: number;
}

/**
 * Min/max peaks of a stream of mono samples in one pass and fixed memory. The bucket size comes
 * from the sample count the headers promise, so the samples are never stored or read twice.
 * When a file has more samples than promised (a VBR MP3's duration is an estimate), a full set
 * of buckets is merged pairwise and the bucket size doubles: the count never passes `pairs`.
 */
export class PeakBuckets {
  readonly #pairs: number;
  readonly #min: Float32Array;
  readonly #max: Float32Array;
  #perBucket: number;
  #count = 0;
  #inBucket = 0;
  #low = Number.POSITIVE_INFINITY;
  #high = Number.NEGATIVE_INFINITY;
  #samples = 0;

  constructor(expectedSamples: number, pairs = WAVEFORM_PAIRS) {
    if (pairs < 2 || pairs % 2 !== 0) throw new Error('pairs must be an even number, at least 2');
    this.#pairs = pairs;
    this.#min = new Float32Array(pairs);
    this.#max = new Float32Array(pairs);
    this.#perBucket = Math.max(1, Math.ceil(expectedSamples / pairs));
  }

  /** Takes the first `length` samples of `values`. */
  add(values: Float32Array, length = values.length): void {
    let i = 0;
    while (i < length) {
      // The rest of the current bucket, or of the samples: a tight loop with no bucket test inside
      // (this runs once per sample, 158 million times for an hour at 44.1 kHz).
      const end = Math.min(length, i + (this.#perBucket - this.#inBucket));
      let low = this.#low;
      let high = this.#high;
      for (let j = i; j < end; j++) {
        const value = values[j] as number;
        if (value < low) low = value;
        if (value > high) high = value;
      }
      this.#inBucket += end - i;
      i = end;
      if (this.#inBucket === this.#perBucket) {
        this.#push(low, high);
        this.#low = Number.POSITIVE_INFINITY;
        this.#high = Number.NEGATIVE_INFINITY;
        this.#inBucket = 0;
      } else {
        this.#low = low;
        this.#high = high;
      }
    }
    this.#samples += length;
  }

  /** The peaks so far, the last (partial) bucket included. */
  finish(): Peaks {
    if (this.#inBucket > 0) {
      this.#push(this.#low, this.#high);
      this.#inBucket = 0;
      this.#low = Number.POSITIVE_INFINITY;
      this.#high = Number.NEGATIVE_INFINITY;
    }
    return {
      samplesPerBucket: this.#perBucket,
      min: this.#min.slice(0, this.#count),
      max: this.#max.slice(0, this.#count),
      samples: this.#samples,
    };
  }

  #push(low: number, high: number): void {
    if (this.#count === this.#pairs) this.#halve();
    this.#min[this.#count] = low;
    this.#max[this.#count] = high;
    this.#count++;
  }

  /** Merges neighbouring buckets: half as many, each twice as long. */
  #halve(): void {
    const half = this.#count / 2;
    for (let i = 0; i < half; i++) {
      this.#min[i] = Math.min(this.#min[2 * i] as number, this.#min[2 * i + 1] as number);
      this.#max[i] = Math.max(this.#max[2 * i] as number, this.#max[2 * i + 1] as number);
    }
    this.#count = half;
    this.#perBucket *= 2;
  }
}

/** Peak values are stored as 16-bit integers, as audiowaveform's `bits: 16` data. */
const FULL_SCALE = 32767;

const toInt16 = (value: number) => Math.max(-32768, Math.min(FULL_SCALE, Math.round(value * FULL_SCALE)));

/**
 * The peaks as the JSON of BBC's audiowaveform (format version 2), which peaks.js loads as it
 * is and any player reads easily: `data` holds min, max, min, max… per bucket of
 * `samples_per_pixel` samples, as 16-bit values (divide by 32768 for [-1, 1]).
 */
export function peaksJson(peaks: Peaks, sampleRate: number): Buffer {
  const data: number[] = [];
  for (let i = 0; i < peaks.min.length; i++) data.push(toInt16(peaks.min[i] as number), toInt16(peaks.max[i] as number));
  return Buffer.from(
    JSON.stringify({
      version: 2,
      channels: 1,
      sample_rate: sampleRate,
      samples_per_pixel: peaks.samplesPerBucket,
      bits: 16,
      length: peaks.min.length,
      data,
    }),
  );
}
