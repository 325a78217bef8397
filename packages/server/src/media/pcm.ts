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

/** Typed arrays read in the platform's byte order: they may stand for the DataView only on a little-endian one. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Interleaved little-endian PCM, a chunk at a time, as mono samples (the mean of the channels).
 * A frame split between two chunks is carried over, so chunks may be cut anywhere. Aligned
 * chunks of 16/32/64-bit samples are read through a typed array (the fast path: what a file
 * stream gives); anything else through a DataView, which needs no alignment.
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
    const samples = frames * this.#channels;
    const typed = typedView(this.#coding, bytes, samples);
    if (typed) mixTyped(typed.values, typed.scale, this.#channels, frames, this.#out);
    else
      mixViewed(
        new DataView(bytes.buffer, bytes.byteOffset, used),
        READERS[this.#coding],
        CODINGS[this.#coding],
        this.#channels,
        frames,
        this.#out,
      );
    return { values: this.#out, length: frames };
  }
}

type Samples = Int16Array | Int32Array | Float32Array | Float64Array;

/** The samples as a typed array over the same memory, when the platform and the alignment allow. */
function typedView(coding: PcmCoding, bytes: Buffer, samples: number): { values: Samples; scale: number } | undefined {
  const width = CODINGS[coding];
  if (!LITTLE_ENDIAN || bytes.byteOffset % width !== 0) return undefined;
  const { buffer, byteOffset } = bytes;
  switch (coding) {
    case 'pcm_s16le':
      return { values: new Int16Array(buffer, byteOffset, samples), scale: 1 / 32768 };
    case 'pcm_s32le':
      return { values: new Int32Array(buffer, byteOffset, samples), scale: 1 / 2147483648 };
    case 'pcm_f32le':
      return { values: new Float32Array(buffer, byteOffset, samples), scale: 1 };
    case 'pcm_f64le':
      return { values: new Float64Array(buffer, byteOffset, samples), scale: 1 };
    default:
      return undefined;
  }
}

function mixTyped(values: Samples, scale: number, channels: number, frames: number, out: Float32Array): void {
  if (channels === 1) {
    for (let i = 0; i < frames; i++) out[i] = (values[i] as number) * scale;
    return;
  }
  const perFrame = scale / channels;
  if (channels === 2) {
    // Most files: the general loop's inner loop costs a third more.
    for (let i = 0; i < frames; i++) out[i] = ((values[2 * i] as number) + (values[2 * i + 1] as number)) * perFrame;
    return;
  }
  for (let i = 0, at = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, at++) sum += values[at] as number;
    out[i] = sum * perFrame;
  }
}

type SampleReader = (view: DataView, at: number) => number;

function mixViewed(view: DataView, read: SampleReader, width: number, channels: number, frames: number, out: Float32Array): void {
  for (let i = 0, at = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, at += width) sum += read(view, at);
    out[i] = sum / channels;
  }
}

const READERS: Record<PcmCoding, SampleReader> = {
  pcm_u8: (view, at) => (view.getUint8(at) - 128) / 128,
  pcm_s16le: (view, at) => view.getInt16(at, true) / 32768,
  pcm_s24le: (view, at) => (view.getUint16(at, true) + (view.getInt8(at + 2) << 16)) / 8388608,
  pcm_s32le: (view, at) => view.getInt32(at, true) / 2147483648,
  pcm_f32le: (view, at) => view.getFloat32(at, true),
  pcm_f64le: (view, at) => view.getFloat64(at, true),
};
