import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../../test/helpers/media-files.ts';
import { cornerVertices, probeFbx } from './fbx.ts';
import { FbxArray, type FbxNode, readFbx } from './fbx-reader.ts';

const reference = MODEL_REFERENCES.find((model) => model.file === 'model.fbx')?.properties;
const fixture = async () => new Uint8Array(await readFile(fixtureFile('model.fbx').path));

/**
 * Rewrites a 7.4 file (32-bit record headers, what Blender writes) as 7.5 (64-bit headers, what
 * FBX SDK 2016 and later write), record by record, so both layouts are tested on one real file.
 */
function widen(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Buffer[] = [Buffer.from(bytes.subarray(0, 27))];
  out[0]?.writeUInt32LE(7500, 23);
  let written = 27;
  const emit = (chunk: Buffer) => {
    out.push(chunk);
    written += chunk.length;
  };
  const copyRecord = (at: number): number => {
    const end = view.getUint32(at, true);
    const count = view.getUint32(at + 4, true);
    const length = view.getUint32(at + 8, true);
    const nameLength = view.getUint8(at + 12);
    const header = Buffer.alloc(25);
    emit(header);
    emit(Buffer.from(bytes.subarray(at + 13, at + 13 + nameLength + length)));
    let cursor = at + 13 + nameLength + length;
    if (cursor < end) {
      while (view.getUint32(cursor, true) !== 0) cursor = copyRecord(cursor);
      emit(Buffer.alloc(25));
    }
    header.writeBigUInt64LE(BigInt(written), 0);
    header.writeBigUInt64LE(BigInt(count), 8);
    header.writeBigUInt64LE(BigInt(length), 16);
    header.writeUInt8(nameLength, 24);
    return end;
  };
  let cursor = 27;
  while (view.getUint32(cursor, true) !== 0) cursor = copyRecord(cursor);
  emit(Buffer.alloc(25));
  emit(Buffer.from(bytes.subarray(cursor + 13)));
  return new Uint8Array(Buffer.concat(out));
}

describe('probeFbx', () => {
  it('FBX 7.4 from Blender: the skinned, animated box, in metres', async () => {
    const bytes = await fixture();
    expect(readFbx(bytes).version).toBe(7400);
    expect(probeFbx(bytes)).toEqual({ ...reference, size: bytes.length });
  });

  it('FBX 7.5, whose record headers are 64-bit: the same counts', async () => {
    const wide = widen(await fixture());
    expect(readFbx(wide).version).toBe(7500);
    expect(probeFbx(wide)).toEqual({ ...reference, size: wide.length });
  });

  it('refuses a cut-off file as truncated', async () => {
    const bytes = await fixture();
    expect(() => probeFbx(bytes.subarray(0, 20_000))).toThrow(
      /^The FBX 3D model is truncated \(a record ends at byte [\d,]+, past the file's 20,000 bytes\)/,
    );
  });

  it('gives only the size of an ASCII FBX, which it does not parse', () => {
    const ascii = new TextEncoder().encode('; FBX 7.4.0 project file\nFBXHeaderExtension:  {\n}\n');
    expect(probeFbx(ascii)).toEqual({ format: 'fbx', size: ascii.length });
  });

  it('refuses an unknown property type, saying where', async () => {
    const bytes = (await fixture()).slice();
    // The first property of the first record is a nested record's type code; make it one FBX does not have.
    const firstProperty = 27 + 13 + 'FBXHeaderExtension'.length + 13 + 'FBXHeaderVersion'.length;
    bytes[firstProperty] = 'Q'.charCodeAt(0);
    expect(() => probeFbx(bytes)).toThrow(/unknown property type "Q"/);
  });
});

const doubles = (values: number[]) => new FbxArray('d', values.length, 0, new Uint8Array(new Float64Array(values).buffer));
const ints = (values: number[]) => new FbxArray('i', values.length, 0, new Uint8Array(new Int32Array(values).buffer));
const node = (name: string, properties: FbxNode['properties'], children: FbxNode[] = []): FbxNode => ({ name, properties, children });

/** A layer element as Blender writes one: its mapping, its reference, its values and, for IndexToDirect, its index. */
function layer(name: string, mapping: string, values: [string, number[]], index?: [string, number[]]): FbxNode {
  return node(
    name,
    [0],
    [
      node('MappingInformationType', [mapping]),
      node('ReferenceInformationType', [index ? 'IndexToDirect' : 'Direct']),
      node(values[0], [doubles(values[1])]),
      ...(index ? [node(index[0], [ints(index[1])])] : []),
    ],
  );
}

describe('cornerVertices', () => {
  // A cube: 8 control points, 6 quads, each quad's last corner stored as −(index + 1).
  const quads = [
    [1, 3, 7, 5],
    [0, 4, 6, 2],
    [2, 6, 7, 3],
    [0, 1, 5, 4],
    [4, 5, 7, 6],
    [0, 2, 3, 1],
  ];
  const faceNormals = [
    [1, 0, 0],
    [-1, 0, 0],
    [0, 1, 0],
    [0, -1, 0],
    [0, 0, 1],
    [0, 0, -1],
  ];
  const polygons = quads.flatMap((quad) => quad.map((point, k) => (k === 3 ? -point - 1 : point)));
  const count = (...layers: FbxNode[]) => cornerVertices(node('Geometry', [1, 'cube', 'Mesh'], layers), 8, polygons);
  const flat = layer('LayerElementNormal', 'ByPolygonVertex', [
    'Normals',
    faceNormals.flatMap((normal) => [...normal, ...normal, ...normal, ...normal]),
  ]);

  it('a control point is one vertex per distinct normal and UV of its corners', () => {
    expect(count()).toBe(8);
    expect(count(flat)).toBe(24);
    expect(count(layer('LayerElementNormal', 'ByPolygon', ['Normals', faceNormals.flat()]))).toBe(24);
    const smooth = Array.from({ length: 8 }, (_, point) => [point & 1 ? 1 : -1, point & 2 ? 1 : -1, point & 4 ? 1 : -1]);
    expect(count(layer('LayerElementNormal', 'ByVertice', ['Normals', smooth.flat()]))).toBe(8);
  });

  it('compares values, not slots: corners stored apart with equal values are one vertex', () => {
    // Smooth normals written per corner (as Blender writes them), and one UV shared through UVIndex.
    const smooth = polygons.map((raw) => (raw < 0 ? -raw - 1 : raw)).flatMap((point) => [point & 1 ? 1 : -1, point & 2 ? 1 : -1, 0]);
    const normals = layer('LayerElementNormal', 'ByPolygonVertex', ['Normals', smooth]);
    expect(count(normals)).toBe(8);
    const sameUv = layer('LayerElementUV', 'ByPolygonVertex', ['UV', [0, 0, 0.5, 0.5]], ['UVIndex', polygons.map(() => 1)]);
    expect(count(normals, sameUv)).toBe(8);
    const uvPerQuadCorner = layer(
      'LayerElementUV',
      'ByPolygonVertex',
      ['UV', [0, 0, 1, 0, 1, 1, 0, 1]],
      ['UVIndex', polygons.map((_, k) => k % 4)],
    );
    expect(count(flat, uvPerQuadCorner)).toBe(24);
  });
});
