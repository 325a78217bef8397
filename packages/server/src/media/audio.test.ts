import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIO_REFERENCES } from '../../test/fixtures/reference-values.ts';
import { fixtureFile, scratchFolder } from '../../test/helpers/media-files.ts';
import { probeAudio } from './audio.ts';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
beforeAll(async () => {
  scratch = await scratchFolder();
});
afterAll(async () => scratch.dispose());

describe('probeAudio', () => {
  it.each(AUDIO_REFERENCES)('$format: the properties ffprobe reports', async (reference) => {
    const file = fixtureFile(reference.file);
    const properties = await probeAudio(file, reference.format);
    expect(properties).toEqual({
      duration: expect.closeTo(reference.duration, 3),
      sampleRate: reference.sampleRate,
      channels: reference.channels,
      bitrate: reference.bitrate,
      codecName: reference.codecName,
      size: file.size,
      format: reference.format,
    });
  });

  it.each(AUDIO_REFERENCES)('$format: refuses the first half of the file as truncated', async (reference) => {
    const bytes = await readFile(fixtureFile(reference.file).path);
    const cut = await scratch.stage(bytes.subarray(0, Math.floor(bytes.length / 2)), reference.file);
    await expect(probeAudio(cut, reference.format)).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: expect.stringMatching(
        new RegExp(`^The ${reference.format.toUpperCase()} audio is truncated \\(the file has [\\d,]+ bytes.*upload the complete file$`),
      ),
    });
  });

  it('refuses a file with the magic bytes of an MP3 and nothing readable after them', async () => {
    const bytes = Buffer.concat([Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000', 'latin1'), Buffer.alloc(64, 0x55)]);
    await expect(probeAudio(await scratch.stage(bytes, 'junk.mp3'), 'mp3')).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: expect.stringMatching(/^The MP3 audio could not be read \(no audio stream was found\)/),
    });
  });
});
