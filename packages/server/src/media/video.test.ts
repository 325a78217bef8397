import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIDEO_REFERENCES } from '../../test/fixtures/reference-values.ts';
import { fixtureFile, scratchFolder } from '../../test/helpers/media-files.ts';
import { analyzeMedia } from './media-info.ts';
import { videoProperties } from './video.ts';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
beforeAll(async () => {
  scratch = await scratchFolder();
});
afterAll(async () => scratch.dispose());

const probe = async (file: { path: string; size: number }, format: string) => videoProperties(await analyzeMedia(file), file.size, format);

describe('videoProperties', () => {
  it.each(VIDEO_REFERENCES)('$format: the properties ffprobe reports', async (reference) => {
    const file = fixtureFile(reference.file);
    expect(await probe(file, reference.format)).toEqual({
      width: reference.width,
      height: reference.height,
      duration: expect.closeTo(reference.duration, 3),
      frameRate: reference.frameRate,
      nbFrames: reference.nbFrames,
      codecName: reference.codecName,
      bitrate: reference.bitrate,
      size: file.size,
      format: reference.format,
      ...(reference.sampleRate ? { sampleRate: reference.sampleRate, channels: reference.channels } : {}),
    });
  });

  it('refuses an MP4 whose index is whole but whose media data is cut off', async () => {
    // truncated.mp4 is the first half of video.mp4, which has its index (moov) at the start.
    await expect(probe(fixtureFile('truncated.mp4'), 'mp4')).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: 'The MP4 video is truncated (the file has 3,100 bytes, but its structure declares 6,200): upload the complete file',
    });
  });

  it.each([
    ['MOV with its index at the end', 'video.mov', 'mov'],
    ['WebM', 'video.webm', 'webm'],
  ])('refuses a cut-off %s', async (_, name, format) => {
    const bytes = await readFile(fixtureFile(name).path);
    const cut = await scratch.stage(bytes.subarray(0, Math.floor(bytes.length * 0.6)), name);
    await expect(probe(cut, format)).rejects.toMatchObject({ message: expect.stringMatching(/video is truncated \(the file has/) });
  });

  it('reads only the headers and index of a video, not its media data', async () => {
    // 64 MiB of media data after a whole index: the parser must not read it through.
    const bytes = await readFile(fixtureFile('video.mp4').path);
    const padded = Buffer.concat([bytes, Buffer.alloc(64 * 1024 * 1024)]);
    const mdat = padded.indexOf('mdat', 0, 'latin1') - 4;
    padded.writeUInt32BE(padded.length - mdat, mdat);
    const report = await analyzeMedia(await scratch.stage(padded, 'padded.mp4'));
    expect(report.video?.Width).toBe(64);
    expect(report.bytesRead).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses a file with no video track', async () => {
    await expect(probe(fixtureFile('audio.m4a'), 'mp4')).rejects.toMatchObject({
      message: expect.stringMatching(/^The MP4 video could not be read \(no video track was found\)/),
    });
  });
});
