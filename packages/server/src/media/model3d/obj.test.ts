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
  it('the box: 8 vertices, 6 quads as 12 triangles, with UVs and normals', async () => {
    const file = fixtureFile('model.obj');
    expect(await probeObj(file.path, file.size)).toEqual({
      ...MODEL_REFERENCES.find((m) => m.file === 'model.obj')?.properties,
      size: file.size,
    });
  });

  it('tells faces with and without UVs and normals apart, and follows negative indices', async () => {
    const properties = await probeText('v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 1 0\n\tf -5 -4 -3 -2\nl 1 2\n');
    expect(properties).toMatchObject({ vertexCount: 4, faceCount: 2, hasUVs: false, hasNormals: false, dimensions: [1, 1, 0] });
    expect(await probeText('v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1\n')).toMatchObject({ hasUVs: false, hasNormals: true });
    expect(await probeText('v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 3/1\n')).toMatchObject({ hasUVs: true, hasNormals: false });
  });

  it('refuses a face that refers to a vertex the file does not define', async () => {
    await expect(probeText('v 0 0 0\nv 1 0 0\nf 1 2 3\n')).rejects.toThrow(
      'The OBJ 3D model could not be read (line 3 refers to vertex 3, but 2 are defined before it)',
    );
    await expect(probeText('v 0 0 zero\n')).rejects.toThrow(/line 1 is not a vertex/);
    await expect(probeText('# nothing\n')).rejects.toThrow(/it defines no vertex/);
  });
});
