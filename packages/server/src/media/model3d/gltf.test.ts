import { readFile } from 'node:fs/promises';
import { Document, NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../../test/helpers/media-files.ts';
import { probeGltf } from './gltf.ts';

const bytesOf = async (name: string) => new Uint8Array(await readFile(fixtureFile(name).path));
const reference = (name: string) => MODEL_REFERENCES.find((model) => model.file === name)?.properties;

/** What glTF-Transform (what `gltf-transform inspect` runs on) reads: the POSITION counts of every mesh's primitives. */
const positionCounts = (document: Document) =>
  document
    .getRoot()
    .listMeshes()
    .flatMap((mesh) => mesh.listPrimitives())
    .reduce((sum, primitive) => sum + (primitive.getAttribute('POSITION')?.getCount() ?? 0), 0);

describe('probeGltf', () => {
  it('GLB: a skinned, animated box', async () => {
    const bytes = await bytesOf('model.glb');
    expect(await probeGltf(bytes, 'glb')).toEqual({ ...reference('model.glb'), size: bytes.length });
  });

  it('glTF with its buffer in a data URI: the box under a scaled node', async () => {
    const bytes = await bytesOf('model-embedded.gltf');
    expect(await probeGltf(bytes, 'gltf')).toEqual({ ...reference('model-embedded.gltf'), size: bytes.length });
  });

  it.each([
    ['model.glb', 'glb'],
    ['model-embedded.gltf', 'gltf'],
    ['model-textured.gltf', 'gltf'],
  ] as const)('%s: vertexCount is what glTF-Transform reads, the POSITION accessor counts', async (name, format) => {
    const bytes = await bytesOf(name);
    const io = new NodeIO();
    const document =
      format === 'glb'
        ? await io.readBinary(bytes)
        : await io.readJSON({ json: JSON.parse(Buffer.from(bytes).toString('utf8')), resources: {} });
    expect(positionCounts(document)).toBe(24);
    expect((await probeGltf(bytes, format)).vertexCount).toBe(positionCounts(document));
  });

  it('counts every primitive of a mesh, and a mesh once however many nodes place it', async () => {
    const document = new Document();
    const buffer = document.createBuffer();
    const triangle = (count: number) =>
      document.createPrimitive().setAttribute(
        'POSITION',
        document
          .createAccessor()
          .setType('VEC3')
          .setArray(new Float32Array(Array.from({ length: count * 3 }, (_, i) => i % 7)))
          .setBuffer(buffer),
      );
    const mesh = document.createMesh('shared').addPrimitive(triangle(3)).addPrimitive(triangle(5));
    const other = document.createMesh('other').addPrimitive(triangle(4));
    document
      .createScene()
      .addChild(document.createNode('a').setMesh(mesh))
      .addChild(document.createNode('b').setMesh(mesh).setTranslation([3, 0, 0]))
      .addChild(document.createNode('c').setMesh(other));
    const bytes = await new NodeIO().writeBinary(document);
    const properties = await probeGltf(bytes, 'glb');
    expect(properties.vertexCount).toBe(12);
    expect(properties.vertexCount).toBe(positionCounts(await new NodeIO().readBinary(bytes)));
  });

  it('refuses a GLB with a broken header, saying what is wrong', async () => {
    const bytes = await bytesOf('model.glb');
    const wrongVersion = bytes.slice();
    new DataView(wrongVersion.buffer).setUint32(4, 7, true);
    await expect(probeGltf(wrongVersion, 'glb')).rejects.toThrow(
      'The GLB 3D model could not be read (broken header: it declares version 7, not 2): the file is corrupt; export it again and upload the new file',
    );
    const padded = new Uint8Array([...bytes, 0, 0, 0, 0]);
    await expect(probeGltf(padded, 'glb')).rejects.toThrow('broken header: it declares 3,252 bytes, but the file has 3,256');
    const noJson = bytes.slice();
    noJson.set([0x58, 0x58, 0x58, 0x58], 16);
    await expect(probeGltf(noJson, 'glb')).rejects.toThrow('broken header: its first chunk is not the JSON chunk');
  });

  it('refuses a cut-off GLB as truncated', async () => {
    const bytes = await bytesOf('model.glb');
    await expect(probeGltf(bytes.slice(0, 2000), 'glb')).rejects.toThrow(
      'The GLB 3D model is truncated (its header declares 3,252 bytes, but the file has 2,000): upload the complete file',
    );
  });

  it('refuses a glTF that refers to separate files, and never opens them', async () => {
    const json = { asset: { version: '2.0' }, buffers: [{ uri: '../../../etc/passwd', byteLength: 10 }] };
    await expect(probeGltf(new TextEncoder().encode(JSON.stringify(json)), 'gltf')).rejects.toThrow(
      /refers to the separate file "\.\.\/\.\.\/\.\.\/etc\/passwd", which an upload cannot include/,
    );
  });

  it('refuses a glTF that is not JSON or not glTF 2', async () => {
    await expect(probeGltf(new TextEncoder().encode('{"asset": '), 'gltf')).rejects.toThrow(/it is not valid JSON/);
    await expect(probeGltf(new TextEncoder().encode('{"asset": {"version": "1.0"}}'), 'gltf')).rejects.toThrow(/Unsupported glTF version/);
  });

  it('counts a mesh whose geometry is Draco-compressed but leaves out what it cannot decode', async () => {
    // Accessors of a compressed primitive have counts and bounds but no data of their own; the
    // extension requires their counts to match the decoded geometry, so the vertices are known.
    const json = {
      asset: { version: '2.0' },
      extensionsUsed: ['KHR_draco_mesh_compression'],
      extensionsRequired: ['KHR_draco_mesh_compression'],
      accessors: [
        { componentType: 5126, count: 24, type: 'VEC3', min: [-1, -1, -1], max: [1, 1, 1] },
        { componentType: 5126, count: 24, type: 'VEC2' },
        { componentType: 5123, count: 36, type: 'SCALAR' },
      ],
      meshes: [
        {
          primitives: [
            {
              attributes: { POSITION: 0, TEXCOORD_0: 1 },
              indices: 2,
              extensions: { KHR_draco_mesh_compression: { bufferView: 0, attributes: {} } },
            },
          ],
        },
      ],
      buffers: [{ byteLength: 4, uri: 'data:application/octet-stream;base64,AAAAAA==' }],
      bufferViews: [{ buffer: 0, byteLength: 4 }],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(json));
    const properties = await probeGltf(bytes, 'gltf');
    expect(properties).toMatchObject({
      vertexCount: 24,
      faceCount: 12,
      hasUVs: true,
      hasNormals: false,
      hasSkeleton: false,
      hasAnimations: false,
    });
    expect(properties).not.toHaveProperty('dimensions');
  });
});
