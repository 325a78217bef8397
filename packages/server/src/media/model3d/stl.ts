import { STLLoader } from 'three/addons/loaders/STLLoader.js';
import { corruptMedia } from '../media-errors.ts';
import { Bounds, DistinctPositions, type ModelProperties, NO_RIG } from './model-properties.ts';

/**
 * Reads an ASCII or binary STL with three's STLLoader. STL is a list of separate triangles, so
 * the loader yields three corners per triangle: corners shared between triangles are counted once.
 */
export function probeStl(bytes: Uint8Array): ModelProperties {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let positions: ArrayLike<number>;
  let normals: ArrayLike<number> | undefined;
  try {
    const geometry = new STLLoader().parse(buffer);
    positions = geometry.getAttribute('position').array;
    normals = geometry.getAttribute('normal')?.array;
  } catch (error) {
    throw corruptMedia('stl', '3D model', 'its triangles could not be parsed', error);
  }
  if (positions.length === 0) throw corruptMedia('stl', '3D model', 'it holds no triangle');
  const distinct = new DistinctPositions();
  const bounds = new Bounds();
  for (let i = 0; i + 2 < positions.length; i += 3) {
    const x = positions[i] as number;
    const y = positions[i + 1] as number;
    const z = positions[i + 2] as number;
    distinct.add(x, y, z);
    bounds.add(x, y, z);
  }
  const dimensions = bounds.size();
  return {
    format: 'stl',
    size: bytes.length,
    vertexCount: distinct.count,
    faceCount: positions.length / 9,
    hasUVs: false,
    // Every facet has a normal slot; exporters that do not compute normals leave it (0, 0, 0).
    hasNormals: normals !== undefined && Array.prototype.some.call(normals, (value: number) => value !== 0),
    ...NO_RIG,
    ...(dimensions ? { dimensions } : {}),
  };
}
