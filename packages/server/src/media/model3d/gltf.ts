import { type Document, getBounds, type JSONDocument, NodeIO, type Primitive } from '@gltf-transform/core';
import { corruptMedia, truncatedMedia } from '../media-errors.ts';
import { Bounds, type ModelProperties } from './model-properties.ts';

/** Extensions that move vertex data out of the accessors: positions cannot be read without a decoder. */
const COMPRESSED_GEOMETRY = ['KHR_draco_mesh_compression', 'EXT_meshopt_compression'];

const GLB_MAGIC = 0x46546c67; // "glTF"
const JSON_CHUNK = 0x4e4f534a; // "JSON"

/**
 * Reads a GLB or a self-contained glTF (buffers embedded as data URIs) with glTF-Transform and
 * counts what its meshes, skins and animations hold. A glTF that points at other files is
 * refused: an upload is one file, and the server must never resolve paths a file names.
 */
export async function probeGltf(bytes: Uint8Array, format: 'glb' | 'gltf'): Promise<ModelProperties> {
  const { document, compressed } = await readGltf(bytes, format);
  return { format, size: bytes.length, ...describeDocument(document, compressed) };
}

/** Parses a GLB or self-contained glTF; `compressed` says its positions need a decoder it lacks. */
export async function readGltf(bytes: Uint8Array, format: 'glb' | 'gltf'): Promise<{ document: Document; compressed: boolean }> {
  const jsonDocument = format === 'glb' ? await glbToJson(bytes) : gltfToJson(bytes);
  const required: string[] = jsonDocument.json.extensionsRequired ?? [];
  const compressed = required.some((name) => COMPRESSED_GEOMETRY.includes(name));
  // glTF-Transform refuses any required extension it has no plug-in for; the structure it reads
  // is the same without them, and what they would change (compressed positions) is left out.
  const json = { ...jsonDocument.json };
  delete json.extensionsRequired;
  try {
    return { document: await new NodeIO().readJSON({ json, resources: jsonDocument.resources }), compressed };
  } catch (error) {
    throw corruptMedia(format, '3D model', error instanceof Error ? error.message : 'its structure is invalid', error);
  }
}

function glbToJson(bytes: Uint8Array): Promise<JSONDocument> {
  const broken = (detail: string) => corruptMedia('glb', '3D model', `broken header: ${detail}`);
  const count = (n: number) => n.toLocaleString('en-US');
  if (bytes.length < 20) throw broken(`the file has ${count(bytes.length)} bytes, fewer than a GLB header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) throw broken('it does not start with "glTF"');
  const version = view.getUint32(4, true);
  if (version !== 2) throw broken(`it declares version ${version}, not 2`);
  const length = view.getUint32(8, true);
  if (length > bytes.length)
    throw truncatedMedia('glb', '3D model', `its header declares ${count(length)} bytes, but the file has ${count(bytes.length)}`);
  if (length !== bytes.length) throw broken(`it declares ${count(length)} bytes, but the file has ${count(bytes.length)}`);
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== JSON_CHUNK) throw broken('its first chunk is not the JSON chunk');
  if (20 + jsonLength > bytes.length) throw broken(`its JSON chunk of ${count(jsonLength)} bytes runs past the end of the file`);
  // glTF-Transform reads the header as a Uint32Array, which needs 4-byte alignment.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  return new NodeIO().binaryToJSON(aligned).catch((error: unknown) => {
    throw corruptMedia('glb', '3D model', externalMessage(error) ?? 'its JSON chunk is not valid glTF', error);
  });
}

function gltfToJson(bytes: Uint8Array): JSONDocument {
  let json: JSONDocument['json'];
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw corruptMedia('gltf', '3D model', 'it is not valid JSON', error);
  }
  const external = [...(json.buffers ?? []), ...(json.images ?? [])]
    .map((resource) => resource.uri)
    .find((uri) => uri !== undefined && !uri.startsWith('data:'));
  if (external !== undefined) {
    throw corruptMedia(
      'gltf',
      '3D model',
      `it refers to the separate file "${external.slice(0, 100)}", which an upload cannot include; embed its buffers and images as data URIs, or upload a GLB`,
    );
  }
  return { json, resources: {} };
}

function externalMessage(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  return /external/i.test(message)
    ? 'it refers to separate files, which an upload cannot include; embed them or upload one GLB'
    : undefined;
}

/** Triangles drawn by a primitive: lists, strips and fans; points and lines draw none. */
function triangleCount(primitive: Primitive): number {
  const corners = primitive.getIndices()?.getCount() ?? primitive.getAttribute('POSITION')?.getCount() ?? 0;
  switch (primitive.getMode()) {
    case 4: // TRIANGLES
      return Math.floor(corners / 3);
    case 5: // TRIANGLE_STRIP
    case 6: // TRIANGLE_FAN
      return Math.max(0, corners - 2);
    default:
      return 0;
  }
}

function describeDocument(document: Document, compressed: boolean): Omit<ModelProperties, 'format' | 'size'> {
  const root = document.getRoot();
  let vertexCount = 0;
  let faceCount = 0;
  let hasUVs = false;
  let hasNormals = false;
  // Each mesh once, however many nodes place it: the GPU holds its vertices once and draws them per node.
  for (const mesh of root.listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      // The POSITION accessor holds the primitive's vertices as uploaded; its count is declared
      // even for Draco, whose extension requires the accessors to match the decoded geometry.
      vertexCount += primitive.getAttribute('POSITION')?.getCount() ?? 0;
      faceCount += triangleCount(primitive);
      hasUVs ||= primitive.getAttribute('TEXCOORD_0') !== null;
      hasNormals ||= primitive.getAttribute('NORMAL') !== null;
    }
  }
  const joints = new Set(root.listSkins().flatMap((skin) => skin.listJoints()));
  const keyTimes = new Set<number>();
  for (const animation of root.listAnimations()) {
    for (const sampler of animation.listSamplers()) {
      const input = sampler.getInput()?.getArray();
      if (input) for (const time of input) keyTimes.add(time);
    }
  }
  const dimensions = compressed ? undefined : sceneSize(document);
  return {
    vertexCount,
    faceCount,
    hasUVs,
    hasNormals,
    hasSkeleton: joints.size > 0,
    boneCount: joints.size,
    hasAnimations: root.listAnimations().length > 0,
    animationFrameCount: keyTimes.size,
    ...(dimensions ? { dimensions } : {}),
  };
}

/** The bounding box of the default scene in world space (node transforms applied), or of every scene. */
function sceneSize(document: Document): [number, number, number] | undefined {
  const root = document.getRoot();
  const scenes = root.getDefaultScene() ? [root.getDefaultScene()] : root.listScenes();
  const bounds = new Bounds();
  for (const scene of scenes) {
    if (!scene) continue;
    const { min, max } = getBounds(scene);
    bounds.add(min[0], min[1], min[2]);
    bounds.add(max[0], max[1], max[2]);
  }
  return bounds.size();
}
