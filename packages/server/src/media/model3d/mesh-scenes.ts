import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type BufferGeometry, Matrix4, type Mesh, type Object3D, Vector3 } from 'three';
import { STLLoader } from 'three/addons/loaders/STLLoader.js';
import { buildMesh, VOXLoader } from 'three/addons/loaders/VOXLoader.js';
import { DEFAULT_COLOR, linearToSrgb, type MeshBatch, type Scene } from '../render3d/scene.ts';
import { arrayOf, classOf, type FbxId, geometryMatrix, idOf, parentLinks } from './fbx.ts';
import { childNamed, FbxArray, type FbxNode, isBinaryFbx, readFbx } from './fbx-reader.ts';
import { asciiReader, binaryReader, parseHeader, type ScalarType } from './ply.ts';

/**
 * The triangles of OBJ, STL, PLY, FBX and VOX files for the preview renderer, read with the
 * same readers that measure them (the formats' own details are documented there). Polygons are
 * fanned into triangles; colours are sRGB in 0–1.
 */

/** A Float32Array that grows as values are pushed. */
class Floats {
  #array = new Float32Array(1024);
  length = 0;
  push(a: number, b: number, c: number): void {
    if (this.length + 3 > this.#array.length) {
      const grown = new Float32Array(this.#array.length * 2);
      grown.set(this.#array);
      this.#array = grown;
    }
    this.#array[this.length++] = a;
    this.#array[this.length++] = b;
    this.#array[this.length++] = c;
  }
  done(): Float32Array {
    return this.#array.slice(0, this.length);
  }
}

class Indices {
  #array = new Uint32Array(1024);
  length = 0;
  push(a: number, b: number, c: number): void {
    if (this.length + 3 > this.#array.length) {
      const grown = new Uint32Array(this.#array.length * 2);
      grown.set(this.#array);
      this.#array = grown;
    }
    this.#array[this.length++] = a;
    this.#array[this.length++] = b;
    this.#array[this.length++] = c;
  }
  done(): Uint32Array {
    return this.#array.slice(0, this.length);
  }
}

/** OBJ, streamed line by line; `v x y z r g b` carries a vertex colour (a common extension). */
export async function objScene(path: string): Promise<Scene> {
  const positions = new Floats();
  const colors = new Floats();
  const indices = new Indices();
  let vertices = 0;
  let coloured = false;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
  const corner: number[] = [];
  for await (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('v ')) {
      const words = line.split(/\s+/);
      positions.push(Number(words[1]), Number(words[2]), Number(words[3]));
      if (words.length >= 7) {
        coloured = true;
        colors.push(Number(words[4]), Number(words[5]), Number(words[6]));
      } else colors.push(1, 1, 1);
      vertices++;
    } else if (line.startsWith('f ')) {
      corner.length = 0;
      for (const word of line.split(/\s+/).slice(1)) {
        const index = Number(word.split('/')[0]);
        const resolved = index < 0 ? vertices + index : index - 1;
        if (Number.isInteger(resolved) && resolved >= 0 && resolved < vertices) corner.push(resolved);
      }
      for (let k = 1; k + 1 < corner.length; k++) indices.push(corner[0] as number, corner[k] as number, corner[k + 1] as number);
    }
  }
  return {
    batches: [
      {
        positions: positions.done(),
        indices: indices.done(),
        baseColor: [...DEFAULT_COLOR],
        ...(coloured ? { colors: colors.done() } : {}),
      },
    ],
    up: 'y',
  };
}

/** STL (z-up, as 3D printing has it): separate triangles; binary files may colour each facet. */
export function stlScene(bytes: Uint8Array): Scene {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const geometry = new STLLoader().parse(buffer);
  const positions = Float32Array.from(geometry.getAttribute('position').array);
  const color = geometry.getAttribute('color');
  const indices = Uint32Array.from({ length: positions.length / 3 }, (_, i) => i);
  const colors = color ? Float32Array.from(color.array, (value) => linearToSrgb(value)) : undefined;
  return { batches: [{ positions, indices, baseColor: [...DEFAULT_COLOR], ...(colors ? { colors } : {}) }], up: 'z' };
}

/** PLY, ASCII or binary: positions, normals and colours (red/green/blue, 8-bit or 0–1 floats) of its vertex element. */
export function plyScene(bytes: Uint8Array): Scene {
  const { encoding, elements, bodyStart } = parseHeader(bytes);
  const next = encoding === 'ascii' ? asciiReader(bytes, bodyStart) : binaryReader(bytes, bodyStart, encoding === 'binary_little_endian');
  const positions = new Floats();
  const normals = new Floats();
  const colors = new Floats();
  const indices = new Indices();
  const vertexElement = elements.find((element) => element.name === 'vertex');
  const names = new Set(vertexElement?.properties.map((property) => property.name));
  const hasNormals = names.has('nx') && names.has('ny') && names.has('nz');
  const hasColors = names.has('red') && names.has('green') && names.has('blue');
  const colorScale = (vertexElement?.properties.find((property) => property.name === 'red')?.type ?? 'uint8').startsWith('float')
    ? 1
    : 1 / 255;
  const read = (type: ScalarType) => next(type) ?? 0;
  const corner: number[] = [];
  for (const element of elements) {
    const isVertex = element === vertexElement;
    for (let index = 0; index < element.count; index++) {
      const values: Record<string, number> = {};
      corner.length = 0;
      for (const property of element.properties) {
        if (property.countType) {
          const length = read(property.countType);
          const isCorners = element.name === 'face' && (property.name === 'vertex_indices' || property.name === 'vertex_index');
          for (let k = 0; k < length; k++) {
            const value = read(property.type);
            if (isCorners) corner.push(value);
          }
        } else values[property.name] = read(property.type);
      }
      if (isVertex) {
        positions.push(values.x ?? 0, values.y ?? 0, values.z ?? 0);
        if (hasNormals) normals.push(values.nx ?? 0, values.ny ?? 0, values.nz ?? 0);
        if (hasColors) colors.push((values.red ?? 0) * colorScale, (values.green ?? 0) * colorScale, (values.blue ?? 0) * colorScale);
      } else if (corner.length >= 3) {
        for (let k = 1; k + 1 < corner.length; k++) indices.push(corner[0] as number, corner[k] as number, corner[k + 1] as number);
      }
    }
  }
  const total = positions.length / 3;
  const all = indices.done();
  // Only triangles whose corners exist are drawn (a broken file may name others).
  const valid = all.every((value) => value < total) ? all : filterTriangles(all, total);
  return {
    batches: [
      {
        positions: positions.done(),
        indices: valid,
        baseColor: [...DEFAULT_COLOR],
        ...(hasNormals ? { normals: normals.done() } : {}),
        ...(hasColors ? { colors: colors.done() } : {}),
      },
    ],
    up: 'y',
  };
}

function filterTriangles(indices: Uint32Array, vertexCount: number): Uint32Array {
  const kept = new Indices();
  for (let t = 0; t + 2 < indices.length; t += 3) {
    const [a, b, c] = [indices[t] as number, indices[t + 1] as number, indices[t + 2] as number];
    if (a < vertexCount && b < vertexCount && c < vertexCount) kept.push(a, b, c);
  }
  return kept.done();
}

/**
 * Binary FBX 7: every mesh placed by its model's transform, polygons fanned into triangles,
 * with its first colour layer when it has one. Corners are kept apart (three per triangle)
 * because FBX maps colours per polygon corner as often as per vertex.
 */
export function fbxScene(bytes: Uint8Array): Scene {
  if (!isBinaryFbx(bytes)) throw new Error('ASCII FBX is not drawn by the preview renderer');
  const document = readFbx(bytes);
  if (document.version < 7000) throw new Error('FBX before version 7 is not drawn by the preview renderer');
  const objects = document.nodes.find((node) => node.name === 'Objects');
  const parents = parentLinks(document.nodes.find((node) => node.name === 'Connections'));
  const models = new Map<FbxId, FbxNode>();
  for (const node of objects?.children ?? []) if (node.name === 'Model') models.set(idOf(node), node);
  const batches: MeshBatch[] = [];
  const point = new Vector3();
  for (const geometry of objects?.children ?? []) {
    if (geometry.name !== 'Geometry' || classOf(geometry) !== 'Mesh') continue;
    const vertices = arrayOf(geometry, 'Vertices');
    const polygons = arrayOf(geometry, 'PolygonVertexIndex');
    const model = (parents.get(idOf(geometry)) ?? []).map((id) => models.get(id)).find(Boolean);
    const matrix = model ? geometryMatrix(model, models, parents) : new Matrix4();
    const cornerColor = fbxColors(geometry);
    const positions = new Floats();
    const colors = new Floats();
    const vertexCount = vertices.length / 3;
    let start = 0;
    for (let i = 0; i < polygons.length; i++) {
      if ((polygons[i] as number) >= 0) continue;
      // Corners start..i form one polygon; the last is stored as −(index + 1).
      const corner = (k: number) => {
        const raw = polygons[k] as number;
        return raw < 0 ? -raw - 1 : raw;
      };
      for (let k = start + 1; k + 1 <= i; k++) {
        for (const c of [start, k, k + 1]) {
          const v = corner(c);
          if (v >= vertexCount) continue;
          point.set(vertices[v * 3] as number, vertices[v * 3 + 1] as number, vertices[v * 3 + 2] as number).applyMatrix4(matrix);
          positions.push(point.x, point.y, point.z);
          const color = cornerColor?.(c, v);
          if (color) colors.push(color[0], color[1], color[2]);
        }
      }
      start = i + 1;
    }
    const count = positions.length / 3;
    if (count < 3) continue;
    const usable = count - (count % 3);
    batches.push({
      positions: positions.done(),
      indices: Uint32Array.from({ length: usable }, (_, i) => i),
      baseColor: [...DEFAULT_COLOR],
      ...(cornerColor && colors.length === positions.length ? { colors: colors.done() } : {}),
    });
  }
  return { batches, up: 'y' };
}

/** The colour of a polygon corner (its index in PolygonVertexIndex, its vertex) from LayerElementColor, if the mesh has one. */
function fbxColors(geometry: FbxNode): ((corner: number, vertex: number) => [number, number, number]) | undefined {
  const layer = geometry.children.find((child) => child.name === 'LayerElementColor');
  if (!layer) return undefined;
  const values = childNamed(layer, 'Colors')?.properties[0];
  if (!(values instanceof FbxArray)) return undefined;
  const colors = values.values();
  const indexValue = childNamed(layer, 'ColorIndex')?.properties[0];
  const index = indexValue instanceof FbxArray ? indexValue.values() : undefined;
  const mapping = String(childNamed(layer, 'MappingInformationType')?.properties[0] ?? '');
  const reference = String(childNamed(layer, 'ReferenceInformationType')?.properties[0] ?? '');
  const perCorner = mapping === 'ByPolygonVertex';
  if (!perCorner && mapping !== 'ByVertice' && mapping !== 'ByVertex') return undefined;
  const direct = reference === 'Direct' || !index;
  return (corner, vertex) => {
    const slot = perCorner ? corner : vertex;
    const entry = direct ? slot : ((index as ArrayLike<number>)[slot] ?? 0);
    // RGBA per entry; FBX colours are stored as displayed (sRGB).
    return [(colors[entry * 4] as number) ?? 1, (colors[entry * 4 + 1] as number) ?? 1, (colors[entry * 4 + 2] as number) ?? 1];
  };
}

/** MagicaVoxel: three's VOXLoader builds a mesh of each model's visible voxel faces and places them by the scene graph (turned y-up). */
export function voxScene(bytes: Uint8Array): Scene {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const result = new VOXLoader().parse(buffer) as unknown as { chunks: unknown[]; scene: Object3D | null } | undefined;
  if (!result) throw new Error('the VOX file could not be parsed');
  const meshes: { geometry: BufferGeometry; matrix: Matrix4 }[] = [];
  if (result.scene) {
    result.scene.updateMatrixWorld(true);
    result.scene.traverse((object) => {
      const mesh = object as Mesh;
      if (mesh.isMesh) meshes.push({ geometry: mesh.geometry, matrix: mesh.matrixWorld });
    });
  } else {
    for (const chunk of result.chunks) meshes.push({ geometry: buildMesh(chunk as never).geometry, matrix: new Matrix4() });
  }
  const point = new Vector3();
  const batches = meshes.map(({ geometry, matrix }): MeshBatch => {
    const source = geometry.getAttribute('position');
    const positions = new Float32Array(source.count * 3);
    for (let i = 0; i < source.count; i++) {
      point.fromBufferAttribute(source, i).applyMatrix4(matrix);
      positions.set([point.x, point.y, point.z], i * 3);
    }
    const index = geometry.getIndex();
    const indices = index ? Uint32Array.from(index.array) : Uint32Array.from({ length: source.count }, (_, i) => i);
    const color = geometry.getAttribute('color');
    const colors = color ? Float32Array.from(color.array, (value) => linearToSrgb(value)) : undefined;
    return { positions, indices, baseColor: [1, 1, 1], ...(colors ? { colors } : {}) };
  });
  return { batches, up: 'y' };
}
