import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exitWhileHanging, type FakeFfmpeg, hangingFfmpeg, isAlive } from '../../test/helpers/fake-ffmpeg.ts';
import { fixtureFile, scratchFolder } from '../../test/helpers/media-files.ts';
import { findFfmpeg } from './ffmpeg.ts';
import { extractFrames } from './frames.ts';

const MAX_PIXELS = 268_402_689;
const ffmpeg = await findFfmpeg();
if (!ffmpeg) console.warn('Frame extraction tests skipped: no ffmpeg on the PATH (videos are then imported without frames)');

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
beforeAll(async () => {
  scratch = await scratchFolder();
});
afterAll(async () => scratch.dispose());

describe('extractFrames leaves no ffmpeg behind', () => {
  const fakes: FakeFfmpeg[] = [];
  // The safety net: whatever a failed assertion left running is killed with the test.
  afterEach(async () => {
    for (const fake of fakes.splice(0)) await fake.killAll();
  });
  const options = (ffmpeg: string, extra: Partial<Parameters<typeof extractFrames>[1]> = {}) => ({
    ffmpeg,
    duration: 1,
    maxPixels: MAX_PIXELS,
    timeoutMs: 60_000,
    ...extra,
  });

  it('stops the other run when one fails, and both have exited when it rejects', async () => {
    const fake = await hangingFfmpeg(scratch.dir, 'ffmpeg-one-fails', { failFirstFrame: true });
    fakes.push(fake);
    // Its 60 s timeout is past the test's own: only the first run's failure can end the second in time.
    await expect(extractFrames(fixtureFile('video.mp4').path, options(fake.path))).rejects.toThrow('ffmpeg failed: no video stream');
    const pids = await fake.pids();
    expect(pids.length).toBeLessThanOrEqual(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('has killed both runs of an ffmpeg that hangs by the time it rejects on the timeout', async () => {
    const fake = await hangingFfmpeg(scratch.dir, 'ffmpeg-hangs');
    fakes.push(fake);
    await expect(extractFrames(fixtureFile('video.mp4').path, options(fake.path, { timeoutMs: 300 }))).rejects.toThrow(
      'ffmpeg failed: stopped after 300 ms',
    );
    const pids = await fake.pids();
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('kills its runs when the process exits in the middle (no orphaned ffmpeg)', async () => {
    const fake = await hangingFfmpeg(scratch.dir, 'ffmpeg-orphan');
    fakes.push(fake);
    // A process that starts extracting frames and exits while both runs hang.
    const start = [
      `import { extractFrames } from ${JSON.stringify(new URL('./frames.ts', import.meta.url).pathname)};`,
      `extractFrames(${JSON.stringify(fixtureFile('video.mp4').path)}, ${JSON.stringify(options(fake.path))}).catch(() => {});`,
    ].join('\n');
    expect(await exitWhileHanging(fake, start, 2)).toBe(0);
    const pids = await fake.pids();
    expect(pids).toHaveLength(2);
    // Killed in the 'exit' handler, before the process was gone.
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});

/** Mean absolute difference of two images' pixels (0–255): testsrc's counter and gradient move between frames. */
async function difference(a: Buffer, b: Buffer): Promise<number> {
  const [pa, pb] = await Promise.all([a, b].map((image) => sharp(image).removeAlpha().raw().toBuffer()));
  let sum = 0;
  for (let i = 0; i < (pa as Buffer).length; i++) sum += Math.abs(((pa as Buffer)[i] as number) - ((pb as Buffer)[i] as number));
  return sum / (pa as Buffer).length;
}

describe('extractFrames', () => {
  it.skipIf(!ffmpeg).each(['video.mp4', 'video.webm', 'video.mov'])(
    '%s: first and last frames at full size, and a thumbnail',
    async (name) => {
      const frames = await extractFrames(fixtureFile(name).path, {
        ffmpeg: ffmpeg as string,
        duration: 1,
        maxPixels: MAX_PIXELS,
        timeoutMs: 20_000,
      });
      expect(frames.mimeType).toBe('image/webp');
      for (const image of [frames.first, frames.last, frames.thumbnail]) {
        expect(await sharp(image).metadata()).toMatchObject({ format: 'webp', width: 64, height: 48 });
      }
      expect(await difference(frames.first, frames.last)).toBeGreaterThan(5);
    },
  );

  it.skipIf(!ffmpeg)('fails on a file ffmpeg cannot decode', async () => {
    const junk = await scratch.stage(Buffer.alloc(4096, 7), 'junk.mp4');
    await expect(
      extractFrames(junk.path, { ffmpeg: ffmpeg as string, duration: 1, maxPixels: MAX_PIXELS, timeoutMs: 20_000 }),
    ).rejects.toThrow(/^ffmpeg failed/);
  });

  it('kills an ffmpeg that hangs once its time is up', async () => {
    // A stand-in that never finishes, as a decoder stuck on a hostile file would.
    const hanging = path.join(scratch.dir, 'hanging-ffmpeg');
    // Shell built-ins only, so it needs nothing from the PATH; it spins until it is killed.
    await writeFile(hanging, '#!/bin/sh\nwhile :; do :; done\n');
    await chmod(hanging, 0o755);
    await expect(
      extractFrames(fixtureFile('video.mp4').path, { ffmpeg: hanging, duration: 1, maxPixels: MAX_PIXELS, timeoutMs: 300 }),
    ).rejects.toThrow('ffmpeg failed: stopped after 300 ms');
  });

  it('kills ffmpeg at once when its signal aborts (the job lost its lease)', async () => {
    const hanging = path.join(scratch.dir, 'hanging-ffmpeg-2');
    await writeFile(hanging, '#!/bin/sh\nwhile :; do :; done\n');
    await chmod(hanging, 0o755);
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('lease lost')), 200);
    // Its 60 s timeout is past the test's own: only the abort can end it in time.
    await expect(
      extractFrames(fixtureFile('video.mp4').path, {
        ffmpeg: hanging,
        duration: 1,
        maxPixels: MAX_PIXELS,
        timeoutMs: 60_000,
        signal: stop.signal,
      }),
    ).rejects.toThrow('ffmpeg failed');
  });
});
