import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile, scratchFolder } from '../../../test/helpers/media-files.ts';
import { probeObj } from './obj.ts';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
beforeAll(async () => {
  scratch = await scratchFolder();
});
afterAll(async () => scratch.dispose());

const probeText = async (text: string) => {
  const file = await scratch.stage(Buffer.from(text), 'model.obj');
  return probeObj(file.path, file.size);
};

describe('probeObj', () => {
  it("the box: 24 vertices (8 positions, each with its 3 faces' normals), 6 quads as 12 triangles, with UVs and normals", async () => {
    const file = fixtureFile('model.obj');
    expect(await probeObj(file.path, file.size)).toEqual({
      ...MODEL_REFERENCES.find((m) => m.file === 'model.obj')?.properties,
      size: file.size,
    });
  });

  it('tells faces with and without UVs and normals apart, and follows negative indices', async () => {
    // The fifth vertex is used by no face: it is not drawn, so not counted.
    const properties = await probeText('v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 1 0\n\tf -5 -4 -3 -2\nl 1 2\n');
    expect(properties).toMatchObject({ vertexCount: 4, faceCount: 2, hasUVs: false, hasNormals: false, dimensions: [1, 1, 0] });
    expect(await probeText('v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1\n')).toMatchObject({ hasUVs: false, hasNormals: true });
    expect(await probeText('v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 3/1\n')).toMatchObject({ hasUVs: true, hasNormals: false });
  });

  it('counts the distinct v/vt/vn triples the faces use, negative indices resolved', async () => {
    const square = ['v 0 0 0', 'v 1 0 0', 'v 1 1 0', 'v 0 1 0', 'vt 0 0', 'vt 1 0', 'vn 0 0 1', 'vn 0 0 -1'];
    const faces = [
      'f 1/1/1 2/2/1 3/1/1',
      'f 1/1/1 3/1/1 4/2/1', // shares two triples with the first face: one new
      'f 1/1/2 2/2/2 3/1/2', // the same corners facing the other way: three new
      'f -4/-2/-1 -3/-1/-1 -2/-2/-1', // the previous face again, counted back
      'f 1//1 2//1 3//1', // no UV: three new
      'f 1 2', // two corners draw nothing
    ];
    expect(await probeText(`${[...square, ...faces].join('\n')}\n`)).toMatchObject({ vertexCount: 10, faceCount: 5 });
  });

  it('refuses a face that refers to a vertex the file does not define', async () => {
    await expect(probeText('v 0 0 0\nv 1 0 0\nf 1 2 3\n')).rejects.toThrow(
      'The OBJ 3D model could not be read (line 3 refers to vertex 3, but 2 are defined before it)',
    );
    await expect(probeText('v 0 0 zero\n')).rejects.toThrow(/line 1 is not a vertex/);
    await expect(probeText('# nothing\n')).rejects.toThrow(/it defines no vertex/);
  });
});
