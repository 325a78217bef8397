import type { AudioProperties } from './audio.ts';
import { type ByteSource, readSequentially } from './byte-source.ts';
import { decodeToMonoFloat } from './ffmpeg-pcm.ts';
import { isReadablePcm, PcmMixer } from './pcm.ts';
import { PeakBuckets, peaksJson } from './peaks.ts';
import { readWavLayout } from './wav.ts';
import { renderWaveform } from './waveform-image.ts';

/** An audio file's previews: its peaks for a player and its picture for a tile. */
export interface Waveform {
  /** audiowaveform's JSON (WAVEFORM_MIME): 16-bit min/max pairs, at most WAVEFORM_PAIRS of them. */
  readonly peaks: Buffer;
  /** The waveform drawn, 256 × 128 WebP (THUMBNAIL_MIME). */
  readonly image: Buffer;
}

export interface WaveformOptions {
  /** The ffmpeg that decodes compressed audio; without one only uncompressed WAV gets a waveform. */
  readonly ffmpeg: string | undefined;
  /** Decoding that runs longer is stopped, and the file gets no waveform. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

type Measured = Pick<AudioProperties, 'format' | 'duration' | 'sampleRate'>;

/**
 * The waveform of an audio file, in one streaming pass over its decoded samples with memory that
 * does not grow with the length: an uncompressed WAV is read straight from its data chunk, every
 * other format is decoded by ffmpeg to a pipe of mono floats. The bucket size comes from the
 * sample count the headers promise (exact for WAV, duration × rate otherwise), so nothing is
 * read twice. Undefined when it cannot be made here: compressed audio and no ffmpeg. Throws
 * when decoding fails, is stopped, or takes longer than `timeoutMs`.
 */
export async function makeWaveform(source: ByteSource, audio: Measured, options: WaveformOptions): Promise<Waveform | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const wav = audio.format === 'wav' ? await readWavLayout(source) : undefined;
  let buckets: PeakBuckets;
  let sampleRate = audio.sampleRate;
  if (wav && isReadablePcm(wav.codecName)) {
    buckets = new PeakBuckets(Math.floor(wav.dataSize / wav.blockAlign));
    sampleRate = wav.sampleRate;
    const mixer = new PcmMixer(wav.codecName, wav.channels);
    for await (const chunk of readSequentially(source, wav.dataStart, wav.dataStart + wav.dataSize - 1)) {
      options.signal?.throwIfAborted();
      if (Date.now() > deadline) throw new Error(`reading the samples was stopped after ${options.timeoutMs} ms`);
      const { values, length } = mixer.mix(chunk);
      buckets.add(values, length);
    }
  } else {
    if (!options.ffmpeg) return undefined;
    buckets = new PeakBuckets(Math.round(audio.duration * audio.sampleRate));
    // ffmpeg reads a remote file by HTTP ranges: it is never copied whole to disk for this.
    const input = source.remoteUrl?.() ?? (await source.localPath());
    const mixer = new PcmMixer('pcm_f32le', 1);
    for await (const chunk of decodeToMonoFloat(input, {
      ffmpeg: options.ffmpeg,
      timeoutMs: Math.max(1, deadline - Date.now()),
      signal: options.signal,
    })) {
      const { values, length } = mixer.mix(chunk);
      buckets.add(values, length);
    }
  }
  const peaks = buckets.finish();
  if (peaks.samples === 0) throw new Error('no audio samples could be decoded');
  return { peaks: peaksJson(peaks, sampleRate), image: await renderWaveform(peaks) };
}
