import { truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchFolder } from '../../../test/helpers/media-files.ts';
import { MAX_MODEL_BYTES_IN_MEMORY, probeModel } from './index.ts';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
beforeAll(async () => {
  scratch = await scratchFolder();
});
afterAll(async () => scratch.dispose());

describe('probeModel', () => {
  it('gives only the format and size of a binary model too large to hold in memory', async () => {
    // A sparse file: its size is all that matters, and it costs no disk.
    const file = path.join(scratch.dir, 'huge.glb');
    await writeFile(file, 'glTF');
    await truncate(file, MAX_MODEL_BYTES_IN_MEMORY + 1);
    expect(await probeModel({ path: file, size: MAX_MODEL_BYTES_IN_MEMORY + 1 }, 'glb')).toEqual({
      format: 'glb',
      size: MAX_MODEL_BYTES_IN_MEMORY + 1,
    });
  });
});
