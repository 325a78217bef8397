import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { analyzeMedia } from '../packages/server/src/media/media-info.ts';
import { describeFile } from '../packages/server/src/pipeline/describe.ts';
import { GiB, MiB, row } from './lib.ts';

/**
 * Metadata extraction time. Per kind: describeFile on the test fixtures (image, audio, video,
 * 3D). Then an MP4 with its index (moov) at the start grown to 64 MiB, 256 MiB and 1 GiB: the
 * extraction reads the headers and the index, so its time and the bytes it reads must stay
 * flat while the file grows. Baselines measured in the same run: reading the same number of
 * bytes from the file's start with plain fs, and the SHA-256 of the whole file (which the
 * pipeline also computes). Exits non-zero when the 1 GiB extraction takes over 3× (+20 ms) the
 * 64 MiB one or reads more bytes. Frames (ffmpeg) are off: they decode pictures, which is not metadata.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'packages', 'server', 'test', 'fixtures');
const MAX_PIXELS = 268_402_689;
const RUNS = 7;

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)}`;

/** The median of `RUNS` timings of `work`, in milliseconds, after one warm-up run. */
async function median(work: () => Promise<unknown>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function sizeOf(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/**
 * video.mp4 (ftyp, moov, then mdat) with its mdat grown to make the file `size` bytes: the
 * extra bytes are media data no sample refers to, which ISO-BMFF allows. Written with random
 * bytes, so whole-file reads are real disk and hash work.
 */
async function grownMp4(target: string, size: number): Promise<void> {
  const source = await readFile(path.join(fixtures, 'video.mp4'));
  const mdat = source.indexOf('mdat', 0, 'latin1') - 4;
  const head = Buffer.from(source);
  head.writeUInt32BE(size - mdat, mdat);
  const handle = await open(target, 'w');
  try {
    await handle.write(head, 0, head.length, 0);
    const block = randomBytes(16 * MiB);
    for (let offset = head.length; offset < size; offset += block.length) {
      await handle.write(block, 0, Math.min(block.length, size - offset), offset);
    }
  } finally {
    await handle.close();
  }
}

/** Reads `bytes` bytes from the start of the file with one fs read: what reading just the index costs. */
async function readStart(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
  } finally {
    await handle.close();
  }
}

async function sha256(file: string): Promise<void> {
  await pipeline(createReadStream(file, { highWaterMark: MiB }), createHash('sha256'));
}

console.log(`Metadata extraction, median of ${RUNS} runs (ms)`);
console.log('\nPer kind (test fixtures):');
for (const [kind, name] of [
  ['image', 'rotated.jpg'],
  ['audio', 'audio.mp3'],
  ['audio', 'audio.flac'],
  ['video', 'video.mp4'],
  ['video', 'video.webm'],
  ['3d', 'model.glb'],
  ['3d', 'model.fbx'],
  ['3d', 'model.obj'],
] as const) {
  const file = path.join(fixtures, name);
  const size = await sizeOf(file);
  const time = await median(() => describeFile({ path: file, size }, { maxPixels: MAX_PIXELS, ffmpeg: false }));
  console.log(row(`${kind} ${name}`, { ms: ms(time), bytes: size.toLocaleString('en-US') }));
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-metadata-'));
const results: { size: number; time: number; bytesRead: number }[] = [];
try {
  console.log('\nMP4 with its index at the start, growing:');
  console.log(
    `  ${'file'.padEnd(10)}${'extract ms'.padStart(12)}${'bytes read'.padStart(14)}${'same bytes fs ms'.padStart(18)}${'SHA-256 all ms'.padStart(18)}`,
  );
  for (const size of [64 * MiB, 256 * MiB, GiB]) {
    const file = path.join(dir, `grown-${size}.mp4`);
    await grownMp4(file, size);
    const staged = { path: file, size };
    const report = await analyzeMedia(staged);
    const time = await median(() => describeFile(staged, { maxPixels: MAX_PIXELS, ffmpeg: false }));
    const plain = await median(() => readStart(file, report.bytesRead));
    const started = performance.now();
    await sha256(file);
    const hash = performance.now() - started;
    results.push({ size, time, bytesRead: report.bytesRead });
    console.log(
      `  ${`${size / MiB} MiB`.padEnd(10)}${ms(time).padStart(12)}${report.bytesRead.toLocaleString('en-US').padStart(14)}${ms(plain).padStart(18)}${ms(hash).padStart(18)}`,
    );
    await rm(file, { force: true });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const small = results[0];
const large = results.at(-1);
if (!small || !large) throw new Error('no results');
const ratio = large.time / small.time;
console.log(`\n1 GiB / 64 MiB extraction time: ${ratio.toFixed(2)}×; bytes read ${large.bytesRead} vs ${small.bytesRead}`);
// Milliseconds jitter by a few on these machines: growth means 3× and 20 ms more, or more bytes read.
if (large.time > small.time * 3 + 20 || large.bytesRead > small.bytesRead) {
  console.error('FAIL: metadata extraction grows with the file size');
  process.exit(1);
}
console.log('OK: metadata extraction does not grow with the file size');
