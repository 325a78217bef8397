import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../../test/helpers/media-files.ts';
import { probeStl } from './stl.ts';

describe('probeStl', () => {
  it.each(['model-ascii.stl', 'model-binary.stl'])(
    "%s: 12 facets, 24 vertices (8 corners, each with its 3 faces' normals)",
    async (name) => {
      const bytes = new Uint8Array(await readFile(fixtureFile(name).path));
      expect(probeStl(bytes)).toEqual({ ...MODEL_REFERENCES.find((m) => m.file === name)?.properties, size: bytes.length });
    },
  );

  it('says there are no normals when every facet normal is zero', () => {
    const stl = 'solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n';
    expect(probeStl(new TextEncoder().encode(stl))).toMatchObject({
      vertexCount: 3,
      faceCount: 1,
      hasNormals: false,
      dimensions: [1, 1, 0],
    });
  });

  it('shares a corner between facets of the same normal only', () => {
    const facet = (normal: string, corners: string[]) =>
      `facet normal ${normal}\nouter loop\n${corners.map((corner) => `vertex ${corner}`).join('\n')}\nendloop\nendfacet\n`;
    const square = (secondNormal: string) =>
      new TextEncoder().encode(
        `solid t\n${facet('0 0 1', ['0 0 0', '1 0 0', '1 1 0'])}${facet(secondNormal, ['0 0 0', '1 1 0', '0 1 0'])}endsolid t\n`,
      );
    expect(probeStl(square('0 0 1'))).toMatchObject({ vertexCount: 4, faceCount: 2 });
    expect(probeStl(square('0 0 -1'))).toMatchObject({ vertexCount: 6, faceCount: 2 });
  });

  it('refuses an STL with no triangle, or too short to be one', () => {
    const empty = `solid ${'empty'.repeat(20)}\nendsolid\n`;
    expect(() => probeStl(new TextEncoder().encode(empty))).toThrow(/it holds no triangle/);
    expect(() => probeStl(new TextEncoder().encode('solid x\n'))).toThrow(/its triangles could not be parsed/);
  });
});
