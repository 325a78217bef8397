/** The uncompressed sample codings read here (ffprobe's names); others go through ffmpeg. */
const CODINGS = {
  pcm_u8: 1,
  pcm_s16le: 2,
  pcm_s24le: 3,
  pcm_s32le: 4,
  pcm_f32le: 4,
  pcm_f64le: 8,
} as const;

export type PcmCoding = keyof typeof CODINGS;

export const isReadablePcm = (codecName: string): codecName is PcmCoding => Object.hasOwn(CODINGS, codecName);

/** Mono samples in [-1, 1]: valid until the next call that returns them (the array is reused). */
export interface MonoSamples {
  readonly values: Float32Array;
  readonly length: number;
}

/**
 * Interleaved little-endian PCM, a chunk at a time, as mono samples (the mean of the channels).
 * A frame split between two chunks is carried over, so chunks may be cut anywhere. Reads go
 * through a DataView: no alignment is required of the chunks, and the byte order is explicit.
 */
export class PcmMixer {
  readonly #coding: PcmCoding;
  readonly #channels: number;
  readonly #frameBytes: number;
  #carry: Buffer = Buffer.alloc(0);
  #out = new Float32Array(0);

  constructor(coding: PcmCoding, channels: number) {
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`channels must be a positive integer, not ${channels}`);
    this.#coding = coding;
    this.#channels = channels;
    this.#frameBytes = CODINGS[coding] * channels;
  }

  mix(chunk: Buffer): MonoSamples {
    const bytes = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    const frames = Math.floor(bytes.length / this.#frameBytes);
    const used = frames * this.#frameBytes;
    // Copied: the caller may reuse the chunk's memory.
    this.#carry = Buffer.from(bytes.subarray(used));
    if (this.#out.length < frames) this.#out = new Float32Array(frames);
    const view = new DataView(bytes.buffer, bytes.byteOffset, used);
    const read = reader(this.#coding);
    const out = this.#out;
    const channels = this.#channels;
    const width = CODINGS[this.#coding];
    if (channels === 1) {
      for (let i = 0; i < frames; i++) out[i] = read(view, i * width);
    } else {
      for (let i = 0, at = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, at += width) sum += read(view, at);
        out[i] = sum / channels;
      }
    }
    return { values: out, length: frames };
  }
}

type SampleReader = (view: DataView, at: number) => number;

const READERS: Record<PcmCoding, SampleReader> = {
  pcm_u8: (view, at) => (view.getUint8(at) - 128) / 128,
  pcm_s16le: (view, at) => view.getInt16(at, true) / 32768,
  pcm_s24le: (view, at) => (view.getUint16(at, true) + (view.getInt8(at + 2) << 16)) / 8388608,
  pcm_s32le: (view, at) => view.getInt32(at, true) / 2147483648,
  pcm_f32le: (view, at) => view.getFloat32(at, true),
  pcm_f64le: (view, at) => view.getFloat64(at, true),
};

const reader = (coding: PcmCoding): SampleReader => READERS[coding];
