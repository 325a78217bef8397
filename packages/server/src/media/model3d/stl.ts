import { STLLoader } from 'three/addons/loaders/STLLoader.js';
import { corruptMedia } from '../media-errors.ts';
import { Bounds, coordinateWords, DistinctRows, type ModelProperties, NO_RIG } from './model-properties.ts';

/**
 * Reads an ASCII or binary STL with three's STLLoader. STL is a list of separate triangles, each
 * with its facet normal, so the loader yields three corners per triangle. A renderer that keeps
 * the facet normals (flat shading, as STL means) shares a corner only between triangles of the
 * same normal: the vertices are the distinct (position, facet normal) pairs.
 */
export function probeStl(bytes: Uint8Array): ModelProperties {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let positions: Float32Array;
  let normals: Float32Array | undefined;
  try {
    const geometry = new STLLoader().parse(buffer);
    positions = geometry.getAttribute('position').array as Float32Array;
    normals = geometry.getAttribute('normal')?.array as Float32Array | undefined;
  } catch (error) {
    throw corruptMedia('stl', '3D model', 'its triangles could not be parsed', error);
  }
  if (positions.length === 0) throw corruptMedia('stl', '3D model', 'it holds no triangle');
  const bounds = new Bounds();
  for (let i = 0; i + 2 < positions.length; i += 3)
    bounds.add(positions[i] as number, positions[i + 1] as number, positions[i + 2] as number);
  // Every facet has a normal slot; exporters that do not compute normals leave it (0, 0, 0).
  const hasNormals = normals?.some((value) => value !== 0) ?? false;
  // Corners are compared in the loader's own arrays: an STL near the size limit holds tens of
  // millions of them, and a copy of each would double what the file costs in memory.
  const corners = new DistinctRows([
    { words: coordinateWords(positions), width: 3 },
    ...(normals?.length === positions.length ? [{ words: coordinateWords(normals), width: 3 }] : []),
  ]);
  for (let corner = 0; corner < positions.length / 3; corner++) corners.add(corner);
  const dimensions = bounds.size();
  return {
    format: 'stl',
    size: bytes.length,
    vertexCount: corners.count,
    faceCount: positions.length / 9,
    hasUVs: false,
    hasNormals,
    ...NO_RIG,
    ...(dimensions ? { dimensions } : {}),
  };
}
