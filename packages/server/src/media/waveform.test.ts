import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeFfmpeg, hangingFfmpeg, isAlive } from '../../test/helpers/fake-ffmpeg.ts';
import { makeSineWav } from '../../test/helpers/media.ts';
import { fixtureFile, scratchFolder } from '../../test/helpers/media-files.ts';
import { type ByteSource, fileSource } from './byte-source.ts';
import { findFfmpeg } from './ffmpeg.ts';
import { PcmMixer } from './pcm.ts';
import { PeakBuckets } from './peaks.ts';
import { makeWaveform } from './waveform.ts';

const ffmpeg = await findFfmpeg();
if (!ffmpeg) console.warn('Waveform tests of compressed audio skipped: no ffmpeg (neither on the PATH nor from npm)');

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
beforeAll(async () => {
  scratch = await scratchFolder();
});
afterAll(async () => scratch.dispose());

interface AudiowaveformJson {
  version: number;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: number;
  length: number;
  data: number[];
}

const parse = (peaks: Buffer) => JSON.parse(peaks.toString('utf8')) as AudiowaveformJson;
const mins = (json: AudiowaveformJson) => json.data.filter((_, i) => i % 2 === 0);
const maxs = (json: AudiowaveformJson) => json.data.filter((_, i) => i % 2 === 1);

/** A source that serves `bytes` by ranged reads only (the storage backends' path without a stream). */
const rangedOnly = (bytes: Buffer): ByteSource => ({
  size: bytes.length,
  read: async (offset, length) => bytes.subarray(offset, offset + length),
  localPath: async () => {
    throw new Error('a WAV waveform must not need a local copy');
  },
});

describe('PeakBuckets', () => {
  it('fills the promised number of buckets exactly', () => {
    const buckets = new PeakBuckets(10_000, 100);
    const values = Float32Array.from({ length: 10_000 }, (_, i) => (i % 100) / 100 - 0.5);
    buckets.add(values);
    const peaks = buckets.finish();
    expect(peaks.samplesPerBucket).toBe(100);
    expect(peaks.min).toHaveLength(100);
    expect([...peaks.min].every((v) => v === -0.5)).toBe(true);
    expect(peaks.max[0]).toBeCloseTo(0.49, 5);
  });

  it('never holds more than its pairs when the file has more samples than promised, and keeps every peak', () => {
    const buckets = new PeakBuckets(1_000, 100);
    const values = new Float32Array(25_000);
    values[24_999] = 0.9; // the very last sample is the loudest
    values[3] = -0.7;
    for (let i = 0; i < values.length; i += 1_000) buckets.add(values.subarray(i, i + 1_000));
    const peaks = buckets.finish();
    expect(peaks.min.length).toBeLessThanOrEqual(100);
    expect(peaks.min.length).toBeGreaterThanOrEqual(50);
    expect(peaks.samples).toBe(25_000);
    expect(Math.max(...peaks.max)).toBeCloseTo(0.9, 5);
    expect(Math.min(...peaks.min)).toBeCloseTo(-0.7, 5);
    expect(peaks.samplesPerBucket * peaks.min.length).toBeGreaterThanOrEqual(25_000);
  });

  it('gives fewer buckets when the file has fewer samples than promised', () => {
    const buckets = new PeakBuckets(10_000, 100);
    buckets.add(new Float32Array(5_050));
    expect(buckets.finish().min).toHaveLength(51);
  });
});

describe('PcmMixer', () => {
  it('carries frames split between chunks and averages the channels', () => {
    const wav = makeSineWav({ seconds: 0.01, sampleRate: 8_000, frequency: 1_000, amplitude: 0.5, channels: 2, bits: 24 });
    const data = wav.subarray(44);
    const mixer = new PcmMixer('pcm_s24le', 2);
    const out: number[] = [];
    // One byte at a time: every frame is split.
    for (let i = 0; i < data.length; i++) {
      const { values, length } = mixer.mix(data.subarray(i, i + 1));
      out.push(...values.subarray(0, length));
    }
    expect(out).toHaveLength(80);
    expect(out[2]).toBeCloseTo(0.5, 5); // 1 kHz at 8 kHz: the third sample is the crest
    expect(out[6]).toBeCloseTo(-0.5, 5);
  });

  it.each([16, 24, 32] as const)('%s-bit: chunks cut anywhere, aligned or not, give the same samples as one chunk', (bits) => {
    const data = makeSineWav({ seconds: 0.05, sampleRate: 8_000, frequency: 300, amplitude: 0.8, channels: 2, bits }).subarray(44);
    const coding = bits === 32 ? 'pcm_f32le' : bits === 24 ? 'pcm_s24le' : 'pcm_s16le';
    const whole = new PcmMixer(coding, 2).mix(Buffer.from(data));
    const expected = [...whole.values.subarray(0, whole.length)];
    const mixer = new PcmMixer(coding, 2);
    const out: number[] = [];
    // Odd offsets in an odd-sized copy: neither the chunks nor their memory are aligned.
    const unaligned = Buffer.alloc(data.length + 1).subarray(1);
    data.copy(unaligned);
    for (let i = 0; i < unaligned.length; i += 7) {
      const { values, length } = mixer.mix(unaligned.subarray(i, i + 7));
      out.push(...values.subarray(0, length));
    }
    expect(out).toEqual(expected);
    expect(expected).toHaveLength(400);
  });
});

describe('makeWaveform', () => {
  it.each([
    { bits: 16 as const, channels: 1 },
    { bits: 24 as const, channels: 2 },
    { bits: 32 as const, channels: 2 },
  ])('a $bits-bit, $channels-channel sine WAV: every pair is ± its amplitude', async ({ bits, channels }) => {
    // 441 Hz at 44.1 kHz is 100 samples a period, crest included; a bucket of 441 samples holds 4.41 periods.
    const wav = makeSineWav({ seconds: 10, sampleRate: 44_100, frequency: 441, amplitude: 0.5, channels, bits });
    const waveform = await makeWaveform(
      rangedOnly(wav),
      { format: 'wav', duration: 10, sampleRate: 44_100 },
      { ffmpeg: undefined, timeoutMs: 20_000 },
    );
    const json = parse(waveform?.peaks as Buffer);
    expect(json).toMatchObject({ version: 2, channels: 1, sample_rate: 44_100, samples_per_pixel: 441, bits: 16, length: 1000 });
    expect(json.data).toHaveLength(2000);
    const half = 0.5 * 32_767;
    for (const value of maxs(json)) expect(Math.abs(value - half)).toBeLessThanOrEqual(1);
    for (const value of mins(json)) expect(Math.abs(value + half)).toBeLessThanOrEqual(1);
    expect(await sharp(waveform?.image).metadata()).toMatchObject({ format: 'webp', width: 256, height: 128 });
  });

  it('reads a WAV from a local file as a stream, without ffmpeg', async () => {
    const file = await scratch.stage(makeSineWav({ seconds: 2, sampleRate: 8_000, frequency: 100, amplitude: 0.25 }), 'sine.wav');
    const waveform = await makeWaveform(
      fileSource(file),
      { format: 'wav', duration: 2, sampleRate: 8_000 },
      { ffmpeg: undefined, timeoutMs: 20_000 },
    );
    const json = parse(waveform?.peaks as Buffer);
    expect(json.length).toBe(1000);
    expect(Math.abs(Math.max(...maxs(json)) - 0.25 * 32_767)).toBeLessThanOrEqual(1);
  });

  it('gives nothing for compressed audio without ffmpeg', async () => {
    const mp3 = fixtureFile('audio.mp3');
    expect(
      await makeWaveform(fileSource(mp3), { format: 'mp3', duration: 1, sampleRate: 22_050 }, { ffmpeg: undefined, timeoutMs: 20_000 }),
    ).toBe(undefined);
  });

  // The fixtures are 1 s of a 440 Hz sine at 1/8 of full scale (ffmpeg's sine source).
  it.skipIf(!ffmpeg).each([
    ['audio.mp3', 'mp3', 22_050],
    ['audio.ogg', 'ogg', 22_050],
    ['audio.m4a', 'm4a', 22_050],
    ['audio.flac', 'flac', 8_000],
  ] as const)('%s is decoded by ffmpeg into peaks and a picture', async (name, format, sampleRate) => {
    const waveform = await makeWaveform(fileSource(fixtureFile(name)), { format, duration: 1, sampleRate }, { ffmpeg, timeoutMs: 20_000 });
    const json = parse(waveform?.peaks as Buffer);
    expect(json.sample_rate).toBe(sampleRate);
    expect(json.length).toBeGreaterThan(900);
    expect(json.length).toBeLessThanOrEqual(1000);
    const loudest = Math.max(...maxs(json));
    expect(loudest).toBeGreaterThan(0.1 * 32_767);
    expect(loudest).toBeLessThan(0.3 * 32_767);
    expect(await sharp(waveform?.image).metadata()).toMatchObject({ format: 'webp', width: 256, height: 128 });
  });

  it.skipIf(!ffmpeg)('a file ffmpeg cannot decode is an error, not an empty waveform', async () => {
    const junk = await scratch.stage(Buffer.alloc(4096, 7), 'junk.mp3');
    await expect(
      makeWaveform(fileSource(junk), { format: 'mp3', duration: 1, sampleRate: 22_050 }, { ffmpeg, timeoutMs: 20_000 }),
    ).rejects.toThrow(/ffmpeg failed|no audio samples/);
  });

  describe('a decoder that never finishes', () => {
    let hanging: FakeFfmpeg;
    let fake: string;
    beforeAll(async () => {
      hanging = await hangingFfmpeg(scratch.dir, 'hanging-ffmpeg');
      fake = hanging.path;
    });
    const alive = async () => (await hanging.pids()).filter(isAlive);
    afterAll(async () => hanging?.killAll());

    it('is killed at its timeout', async () => {
      // The decoder sleeps 300 s, past the test's timeout: only the 300 ms timeout ends it in time.
      // ffmpeg gets what is left of the 300 ms once the headers are read.
      await expect(
        makeWaveform(
          fileSource(fixtureFile('audio.mp3')),
          { format: 'mp3', duration: 1, sampleRate: 22_050 },
          { ffmpeg: fake, timeoutMs: 300 },
        ),
      ).rejects.toThrow(/stopped after (29\d|300) ms/);
      expect(await alive()).toEqual([]);
    });

    it('is killed when the job stops', async () => {
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 200);
      await expect(
        makeWaveform(
          fileSource(fixtureFile('audio.mp3')),
          { format: 'mp3', duration: 1, sampleRate: 22_050 },
          { ffmpeg: fake, timeoutMs: 60_000, signal: stop.signal },
        ),
      ).rejects.toThrow();
      expect(await alive()).toEqual([]);
    });
  });
});
