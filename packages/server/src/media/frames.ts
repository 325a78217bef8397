import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { exitSignal } from '../lib/exit-signal.ts';
import { makeThumbnail } from './thumbnail.ts';

/** Stills of a video: its first and last frames at full size, and the usual small preview. */
export interface VideoFrames {
  /** FRAME_MIME images. */
  readonly first: Buffer;
  readonly last: Buffer;
  readonly mimeType: typeof FRAME_MIME;
  /** The first frame as every thumbnail is made (THUMBNAIL_MIME). */
  readonly thumbnail: Buffer;
}

/** WebP like the thumbnails, lossy (quality 85) so that a full-size frame stays small. */
export const FRAME_MIME = 'image/webp';

export interface FrameOptions {
  /** The ffmpeg executable. */
  readonly ffmpeg: string;
  /** Seconds of the video track: the last frame is looked for in its final second. */
  readonly duration: number;
  readonly maxPixels: number;
  /** Each ffmpeg run is killed after this long (a hostile file can make a decoder crawl). */
  readonly timeoutMs: number;
  /** Kills ffmpeg at once: the job that wanted the frames was stopped. */
  readonly signal?: AbortSignal | undefined;
}

/** WebP's largest edge: a larger frame is scaled down to fit. */
const WEBP_MAX_EDGE = 16_383;

function runFfmpeg(ffmpeg: string, args: readonly string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let outcome: (() => void) | undefined;
    let exited = false;
    // Settles once both are in: execFile answers an abort at once, before the killed child has
    // exited, and no ffmpeg may outlive the call.
    const settle = () => {
      if (outcome && exited) outcome();
    };
    const child = execFile(
      ffmpeg,
      ['-nostdin', '-hide_banner', '-loglevel', 'error', ...args],
      { encoding: 'buffer', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 512 * 1024 * 1024, ...(signal ? { signal } : {}) },
      (error, stdout, stderr) => {
        if (error) {
          const reason = error.killed ? `stopped after ${timeoutMs} ms` : stderr.toString('utf8').trim().split('\n').at(-1);
          outcome = () => reject(new Error(`ffmpeg failed: ${reason || error.message}`, { cause: error }));
        } else outcome = () => resolve(stdout);
        settle();
      },
    );
    if (child.pid === undefined) exited = true;
    else
      child.once('exit', () => {
        exited = true;
        settle();
      });
  });
}

/** The first decodable frame, as PNG (lossless, so it is only compressed once, by sharp). */
function firstFrame(file: string, options: FrameOptions): Promise<Buffer> {
  return runFfmpeg(
    options.ffmpeg,
    ['-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'],
    options.timeoutMs,
    options.signal,
  );
}

/**
 * The last frame: ffmpeg seeks (through the index) to the final second of the video track and
 * decodes from there, overwriting one image per frame, so only that second is decoded.
 */
async function lastFrame(file: string, options: FrameOptions): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'assetd-frame-'));
  try {
    const out = path.join(dir, 'last.png');
    const from = Math.max(0, options.duration - 1).toFixed(3);
    await runFfmpeg(
      options.ffmpeg,
      ['-ss', from, '-i', file, '-map', '0:v:0', '-update', '1', '-c:v', 'png', '-y', out],
      options.timeoutMs,
      options.signal,
    );
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function toWebp(png: Buffer, maxPixels: number): Promise<Buffer> {
  return sharp(png, { limitInputPixels: maxPixels })
    .resize(WEBP_MAX_EDGE, WEBP_MAX_EDGE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 85 })
    .toBuffer();
}

/**
 * Runs both ffmpeg runs to their end: when one fails, the other is stopped (it is no use alone),
 * and both have exited before this settles, so no ffmpeg outlives the call (nor the process).
 */
async function bothFrames(file: string, options: FrameOptions): Promise<[Buffer, Buffer]> {
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, exitSignal(), ...(options.signal ? [options.signal] : [])]);
  let failure: { error: unknown } | undefined;
  const run = (frame: Promise<Buffer>) =>
    frame.catch((error: unknown) => {
      failure ??= { error };
      stop.abort();
      throw error;
    });
  const [first, last] = await Promise.allSettled([
    run(firstFrame(file, { ...options, signal })),
    run(lastFrame(file, { ...options, signal })),
  ]);
  if (failure) throw failure.error;
  return [(first as PromiseFulfilledResult<Buffer>).value, (last as PromiseFulfilledResult<Buffer>).value];
}

/** Decodes the first and last frames of a local video file with ffmpeg; throws when ffmpeg cannot. */
export async function extractFrames(file: string, options: FrameOptions): Promise<VideoFrames> {
  const [firstPng, lastPng] = await bothFrames(file, options);
  if (firstPng.length === 0) throw new Error('ffmpeg decoded no frame');
  const [first, last, thumbnail] = await Promise.all([
    toWebp(firstPng, options.maxPixels),
    toWebp(lastPng, options.maxPixels),
    makeThumbnail(firstPng, 'png', options.maxPixels),
  ]);
  return { first, last, mimeType: FRAME_MIME, thumbnail };
}
