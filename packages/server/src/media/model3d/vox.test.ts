import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../../test/helpers/media-files.ts';
import { probeVox } from './vox.ts';

describe('probeVox', () => {
  it('one 3 × 4 × 5 model: its size, and no vertex or face counts', async () => {
    const bytes = new Uint8Array(await readFile(fixtureFile('model.vox').path));
    const properties = probeVox(bytes);
    expect(properties).toEqual({ ...MODEL_REFERENCES.find((m) => m.file === 'model.vox')?.properties, size: bytes.length });
    expect(properties).not.toHaveProperty('vertexCount');
    expect(properties).not.toHaveProperty('faceCount');
  });

  it('refuses a cut-off file and one that is not VOX', async () => {
    const bytes = new Uint8Array(await readFile(fixtureFile('model.vox').path));
    expect(() => probeVox(bytes.subarray(0, 60))).toThrow(
      'The VOX 3D model is truncated (its MAIN chunk declares 56 bytes, past the end of the file)',
    );
    expect(() => probeVox(new TextEncoder().encode('VOY 1234'))).toThrow(/it does not start with "VOX "/);
  });
});
