import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../../test/helpers/media-files.ts';
import { probeStl } from './stl.ts';

describe('probeStl', () => {
  it.each(['model-ascii.stl', 'model-binary.stl'])('%s: 12 facets sharing 8 corners', async (name) => {
    const bytes = new Uint8Array(await readFile(fixtureFile(name).path));
    expect(probeStl(bytes)).toEqual({ ...MODEL_REFERENCES.find((m) => m.file === name)?.properties, size: bytes.length });
  });

  it('says there are no normals when every facet normal is zero', () => {
    const stl = 'solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n';
    expect(probeStl(new TextEncoder().encode(stl))).toMatchObject({
      vertexCount: 3,
      faceCount: 1,
      hasNormals: false,
      dimensions: [1, 1, 0],
    });
  });

  it('refuses an STL with no triangle, or too short to be one', () => {
    const empty = `solid ${'empty'.repeat(20)}\nendsolid\n`;
    expect(() => probeStl(new TextEncoder().encode(empty))).toThrow(/it holds no triangle/);
    expect(() => probeStl(new TextEncoder().encode('solid x\n'))).toThrow(/its triangles could not be parsed/);
  });
});
