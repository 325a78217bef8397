import type { Accessor, Document, Primitive } from '@gltf-transform/core';
import sharp from 'sharp';
import { DEFAULT_COLOR, linearToSrgb, type MeshBatch, type Scene, type Texture } from '../render3d/scene.ts';
import { readGltf } from './gltf.ts';

/** Larger textures are scaled down before drawing: a 1024-px preview samples no more. */
const MAX_TEXTURE_EDGE = 1024;

/**
 * The triangles of a GLB or self-contained glTF's default scene, placed by their nodes' world
 * transforms, with normals, vertex colours (COLOR_0) and the material's base colour and
 * base-colour texture. Compressed geometry (Draco, meshopt) cannot be drawn without a decoder.
 */
export async function gltfScene(bytes: Uint8Array, format: 'glb' | 'gltf'): Promise<Scene> {
  const { document, compressed } = await readGltf(bytes, format);
  if (compressed) throw new Error('its geometry is compressed (Draco or meshopt), which the preview renderer does not decode');
  const textures = new Map<object, Promise<Texture | undefined>>();
  const batches: MeshBatch[] = [];
  const root = document.getRoot();
  const scenes = root.getDefaultScene() ? [root.getDefaultScene()] : root.listScenes().slice(0, 1);
  for (const scene of scenes) {
    scene?.traverse((node) => {
      const mesh = node.getMesh();
      if (!mesh) return;
      const matrix = node.getWorldMatrix();
      for (const primitive of mesh.listPrimitives()) {
        const batch = primitiveBatch(document, primitive, matrix, textures);
        if (batch) batches.push(batch);
      }
    });
  }
  const resolved = await Promise.all(
    batches.map(async (batch) => {
      const pending = (batch as PendingBatch).pendingTexture;
      const texture = pending ? await pending : undefined;
      const { pendingTexture: _, ...rest } = batch as PendingBatch;
      return texture ? { ...rest, texture } : rest;
    }),
  );
  return { batches: resolved, up: 'y' };
}

type PendingBatch = MeshBatch & { pendingTexture?: Promise<Texture | undefined> };

function readVectors(accessor: Accessor, size: number): Float32Array {
  const count = accessor.getCount();
  const out = new Float32Array(count * size);
  const element: number[] = [];
  for (let i = 0; i < count; i++) {
    accessor.getElement(i, element);
    for (let k = 0; k < size; k++) out[i * size + k] = element[k] ?? (k === 3 ? 1 : 0);
  }
  return out;
}

/** Triangle indices of a primitive: lists as they are, strips and fans unrolled; points and lines none. */
function triangleIndices(primitive: Primitive, vertexCount: number): Uint32Array | undefined {
  const source = primitive.getIndices();
  const corners = source ? Uint32Array.from(source.getArray() ?? []) : Uint32Array.from({ length: vertexCount }, (_, i) => i);
  switch (primitive.getMode()) {
    case 4:
      return corners.length % 3 === 0 ? corners : corners.subarray(0, corners.length - (corners.length % 3));
    case 5: {
      const out = new Uint32Array(Math.max(0, corners.length - 2) * 3);
      for (let i = 0; i + 2 < corners.length; i++) {
        const even = i % 2 === 0;
        out.set([corners[i] as number, corners[even ? i + 1 : i + 2] as number, corners[even ? i + 2 : i + 1] as number], i * 3);
      }
      return out;
    }
    case 6: {
      const out = new Uint32Array(Math.max(0, corners.length - 2) * 3);
      for (let i = 1; i + 1 < corners.length; i++)
        out.set([corners[0] as number, corners[i] as number, corners[i + 1] as number], (i - 1) * 3);
      return out;
    }
    default:
      return undefined;
  }
}

function primitiveBatch(
  _document: Document,
  primitive: Primitive,
  matrix: ArrayLike<number>,
  textures: Map<object, Promise<Texture | undefined>>,
): PendingBatch | undefined {
  const position = primitive.getAttribute('POSITION');
  if (!position) return undefined;
  const count = position.getCount();
  const indices = triangleIndices(primitive, count);
  if (!indices || indices.length === 0) return undefined;
  for (const index of indices) if (index >= count) throw new Error(`a primitive refers to vertex ${index} of ${count}`);
  const m = Array.from(matrix);
  const positions = readVectors(position, 3);
  for (let i = 0; i < count; i++) {
    const x = positions[i * 3] as number;
    const y = positions[i * 3 + 1] as number;
    const z = positions[i * 3 + 2] as number;
    positions[i * 3] = (m[0] as number) * x + (m[4] as number) * y + (m[8] as number) * z + (m[12] as number);
    positions[i * 3 + 1] = (m[1] as number) * x + (m[5] as number) * y + (m[9] as number) * z + (m[13] as number);
    positions[i * 3 + 2] = (m[2] as number) * x + (m[6] as number) * y + (m[10] as number) * z + (m[14] as number);
  }
  const normalAccessor = primitive.getAttribute('NORMAL');
  let normals: Float32Array | undefined;
  if (normalAccessor && normalAccessor.getCount() === count) {
    normals = readVectors(normalAccessor, 3);
    // The upper 3×3 carries rotation and scale; renormalising makes up for uniform scale.
    for (let i = 0; i < count; i++) {
      const x = normals[i * 3] as number;
      const y = normals[i * 3 + 1] as number;
      const z = normals[i * 3 + 2] as number;
      normals[i * 3] = (m[0] as number) * x + (m[4] as number) * y + (m[8] as number) * z;
      normals[i * 3 + 1] = (m[1] as number) * x + (m[5] as number) * y + (m[9] as number) * z;
      normals[i * 3 + 2] = (m[2] as number) * x + (m[6] as number) * y + (m[10] as number) * z;
    }
  }
  const colorAccessor = primitive.getAttribute('COLOR_0');
  let colors: Float32Array | undefined;
  if (colorAccessor && colorAccessor.getCount() === count) {
    const size = colorAccessor.getElementSize();
    const raw = readVectors(colorAccessor, size);
    colors = new Float32Array(count * 3);
    for (let i = 0; i < count; i++) for (let k = 0; k < 3; k++) colors[i * 3 + k] = linearToSrgb(raw[i * size + k] as number);
  }
  const material = primitive.getMaterial();
  const factor = material?.getBaseColorFactor() ?? [1, 1, 1, 1];
  const baseColor: [number, number, number] = material
    ? [linearToSrgb(factor[0]), linearToSrgb(factor[1]), linearToSrgb(factor[2])]
    : [...DEFAULT_COLOR];
  const texture = material?.getBaseColorTexture();
  const texCoord = material?.getBaseColorTextureInfo()?.getTexCoord() ?? 0;
  const uvAccessor = texture ? primitive.getAttribute(`TEXCOORD_${texCoord}`) : null;
  const uvs = uvAccessor && uvAccessor.getCount() === count ? readVectors(uvAccessor, 2) : undefined;
  let pendingTexture: Promise<Texture | undefined> | undefined;
  if (texture && uvs) {
    const image = texture.getImage();
    if (image) {
      if (!textures.has(texture)) textures.set(texture, decodeTexture(image));
      pendingTexture = textures.get(texture);
    }
  }
  return {
    positions,
    indices,
    baseColor,
    ...(normals ? { normals } : {}),
    ...(colors ? { colors } : {}),
    ...(uvs ? { uvs } : {}),
    ...(pendingTexture ? { pendingTexture } : {}),
  };
}

/** A PNG, JPEG or WebP texture as RGBA, no larger than the preview needs; undefined when it cannot be decoded. */
async function decodeTexture(image: Uint8Array): Promise<Texture | undefined> {
  try {
    const { data, info } = await sharp(image, { limitInputPixels: 64 * 1024 * 1024 })
      .resize(MAX_TEXTURE_EDGE, MAX_TEXTURE_EDGE, { fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch {
    // A broken texture leaves the model in its base colour rather than without a preview.
    return undefined;
  }
}
