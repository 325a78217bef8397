import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../../test/helpers/media-files.ts';
import { probePly } from './ply.ts';

const bytesOf = async (name: string) => new Uint8Array(await readFile(fixtureFile(name).path));

describe('probePly', () => {
  it.each(['model-ascii.ply', 'model-binary.ply'])('%s: the box', async (name) => {
    const bytes = await bytesOf(name);
    expect(probePly(bytes)).toEqual({ ...MODEL_REFERENCES.find((m) => m.file === name)?.properties, size: bytes.length });
  });

  it('counts a polygon of n corners as n − 2 triangles, big-endian too', () => {
    const header =
      'ply\nformat binary_big_endian 1.0\nelement vertex 5\nproperty double x\nproperty double y\nproperty double z\nelement face 1\nproperty list uchar ushort vertex_indices\nend_header\n';
    const body = Buffer.alloc(5 * 24 + 1 + 5 * 2);
    const pentagon = [0, 1, 2, 3, 4].map((k) => [Math.cos((k * 2 * Math.PI) / 5), Math.sin((k * 2 * Math.PI) / 5), 0]);
    pentagon.flat().forEach((value, i) => {
      body.writeDoubleBE(value, i * 8);
    });
    body.writeUInt8(5, 120);
    for (let k = 0; k < 5; k++) body.writeUInt16BE(k, 121 + k * 2);
    const properties = probePly(new Uint8Array(Buffer.concat([Buffer.from(header), body])));
    expect(properties).toMatchObject({ vertexCount: 5, faceCount: 3, hasUVs: false, hasNormals: false });
  });

  it('counts the vertices as stored, even where two share a position', () => {
    const ply =
      'ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\nproperty float nx\nproperty float ny\nproperty float nz\nelement face 2\nproperty list uchar int vertex_indices\nend_header\n';
    const body = '0 0 0 0 0 1\n1 0 0 0 0 1\n0 1 0 0 0 1\n0 0 0 0 0 -1\n3 0 1 2\n3 3 2 1\n';
    expect(probePly(new TextEncoder().encode(ply + body))).toMatchObject({ vertexCount: 4, faceCount: 2, hasNormals: true });
  });

  it('refuses a PLY whose data ends before what its header declares', async () => {
    const bytes = await bytesOf('model-binary.ply');
    expect(() => probePly(bytes.subarray(0, bytes.length - 20))).toThrow(
      'The PLY 3D model is truncated (its data ends at face 11 of the 12 its header declares): upload the complete file',
    );
    const ascii = await bytesOf('model-ascii.ply');
    expect(() => probePly(ascii.subarray(0, ascii.length - 12))).toThrow(/is truncated \(its data ends at face 5 of the 6/);
  });

  it('refuses a header it cannot follow', () => {
    expect(() => probePly(new TextEncoder().encode('ply\nformat ascii 1.0\nelement vertex 1\n'))).toThrow(
      /its header has no end_header line/,
    );
    expect(() => probePly(new TextEncoder().encode('ply\nformat ascii 1.0\nelement face 0\nend_header\n'))).toThrow(
      /it declares no vertex element with x, y and z/,
    );
  });
});
