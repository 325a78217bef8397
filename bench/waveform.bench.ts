import { spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSource } from '../packages/server/src/media/byte-source.ts';
import { findFfmpeg } from '../packages/server/src/media/ffmpeg.ts';
import { makeWaveform } from '../packages/server/src/media/waveform.ts';

/**
 * A waveform's time and peak memory for WAVs of 1 minute, 10 minutes and 1 hour (44.1 kHz, 16-bit
 * stereo: 10.6 MB, 106 MB and 635 MB), each in fresh processes (best time of three, highest
 * peak RSS): reading the file's bytes as the waveform does (the baseline: the I/O any waveform
 * needs), then the waveform (peaks JSON and picture). Memory must be flat: the hour's peak RSS
 * within 20 MB of the 10 minutes'. Then, when an ffmpeg is found, a 10-minute MP3 decoded by
 * ffmpeg, against ffmpeg decoding it to /dev/null alone.
 */
const self = fileURLToPath(import.meta.url);
const RATE = 44_100;
const CHANNELS = 2;

const peakRssMb = async () => Number(/VmHWM:\s+(\d+)/.exec(await readFile('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

/** A WAV of `seconds` of a 441 Hz sine with a slow swell, written a second at a time. */
async function writeWav(file: string, seconds: number): Promise<void> {
  const dataSize = seconds * RATE * CHANNELS * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataSize, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(CHANNELS, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * CHANNELS * 2, 28);
  header.writeUInt16LE(CHANNELS * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataSize, 40);
  const handle = await open(file, 'w');
  try {
    await handle.write(header);
    const second = Buffer.alloc(RATE * CHANNELS * 2);
    for (let s = 0; s < seconds; s++) {
      const swell = 0.2 + 0.7 * Math.abs(Math.sin((Math.PI * s) / 120));
      for (let i = 0, at = 0; i < RATE; i++) {
        const value = Math.round(32_767 * swell * Math.sin((2 * Math.PI * 441 * i) / RATE));
        for (let c = 0; c < CHANNELS; c++, at += 2) second.writeInt16LE(value, at);
      }
      await handle.write(second);
    }
  } finally {
    await handle.close();
  }
}

if (process.argv[2] === 'child') {
  const [, , , mode, file, format, seconds, ffmpeg] = process.argv as string[];
  const size = (await stat(file as string)).size;
  const started = performance.now();
  if (mode === 'read') {
    // The same reads the waveform makes (one reused 1 MiB buffer), and nothing else.
    const source = fileSource({ path: file as string, size });
    for await (const _ of source.chunks?.(0, size - 1) ?? []) {
      // the bytes only
    }
  } else if (mode === 'ffmpeg-alone') {
    const result = spawnSync(ffmpeg as string, [
      '-nostdin',
      '-loglevel',
      'error',
      '-i',
      file as string,
      '-ac',
      '1',
      '-f',
      'f32le',
      '-y',
      '/dev/null',
    ]);
    if (result.status !== 0) throw new Error(String(result.stderr));
  } else {
    const waveform = await makeWaveform(
      fileSource({ path: file as string, size }),
      { format: format as string, duration: Number(seconds), sampleRate: RATE },
      { ffmpeg: ffmpeg || undefined, timeoutMs: 600_000 },
    );
    if (!waveform) throw new Error('no waveform');
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, peakMb: await peakRssMb() }));
} else {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-waveform-'));
  /** The best of three fresh processes: the machine is shared, and a slower run measures the neighbours. */
  const run = (mode: string, file: string, format: string, seconds: number, ffmpeg = '') => {
    const runs = [0, 1, 2].map(() => {
      const result = spawnSync(process.execPath, [self, 'child', mode, file, format, String(seconds), ffmpeg], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(result.stderr);
      return JSON.parse(result.stdout) as { ms: number; peakMb: number };
    });
    return { ms: Math.min(...runs.map((r) => r.ms)), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
  };
  try {
    console.log('| file | read the bytes (baseline) | waveform | ratio | peak RSS read / waveform |');
    console.log('| --- | --- | --- | --- | --- |');
    const peaks: number[] = [];
    for (const seconds of [60, 600, 3600]) {
      const file = path.join(dir, `sine-${seconds}.wav`);
      await writeWav(file, seconds);
      const bytes = (await stat(file)).size;
      // The file was just written, so both read it from the page cache: the comparison is CPU.
      const read = run('read', file, 'wav', seconds);
      const waveform = run('waveform', file, 'wav', seconds);
      peaks.push(waveform.peakMb);
      console.log(
        `| WAV ${seconds / 60} min (${(bytes / 1e6).toFixed(0)} MB) | ${read.ms.toFixed(0)} ms | ${waveform.ms.toFixed(0)} ms | ${(waveform.ms / read.ms).toFixed(1)}× | ${read.peakMb.toFixed(0)} / ${waveform.peakMb.toFixed(0)} MB |`,
      );
      await rm(file);
    }
    const ffmpeg = await findFfmpeg();
    if (ffmpeg) {
      const wav = path.join(dir, 'sine-600.wav');
      const mp3 = path.join(dir, 'sine-600.mp3');
      await writeWav(wav, 600);
      const encoded = spawnSync(ffmpeg, ['-nostdin', '-loglevel', 'error', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '128k', '-y', mp3]);
      if (encoded.status !== 0) throw new Error(String(encoded.stderr));
      await rm(wav);
      const alone = run('ffmpeg-alone', mp3, 'mp3', 600, ffmpeg);
      const waveform = run('waveform', mp3, 'mp3', 600, ffmpeg);
      console.log(
        `| MP3 10 min, ffmpeg (${((await stat(mp3)).size / 1e6).toFixed(0)} MB) | ${alone.ms.toFixed(0)} ms (ffmpeg alone) | ${waveform.ms.toFixed(0)} ms | ${(waveform.ms / alone.ms).toFixed(1)}× | — / ${waveform.peakMb.toFixed(0)} MB |`,
      );
    } else console.log('(no ffmpeg: the MP3 row is skipped)');
    const growth = (peaks[2] as number) - (peaks[1] as number);
    console.log(`\npeak RSS of the waveform, 1 hour against 10 minutes: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB`);
    if (growth > 20) {
      console.error('memory grows with the length: more than 20 MB between 10 minutes and 1 hour');
      process.exitCode = 1;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
