import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { corruptMedia } from '../media-errors.ts';
import { Bounds, DistinctPositions, type ModelProperties, NO_RIG } from './model-properties.ts';

/**
 * Reads a Wavefront OBJ line by line from disk. Written here rather than taken from three's
 * OBJLoader, which needs the whole text as one string and invents a face normal for every face
 * without one, so it cannot say whether the file has normals.
 */
export async function probeObj(path: string, size: number): Promise<ModelProperties> {
  const distinct = new DistinctPositions();
  const bounds = new Bounds();
  let vertices = 0;
  let faceCount = 0;
  let hasUVs = false;
  let hasNormals = false;
  let lineNumber = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
  for await (const raw of lines) {
    lineNumber++;
    const line = raw.trim();
    const words = line.split(/\s+/);
    const keyword = words[0];
    if (keyword === 'v') {
      const [x, y, z] = words.slice(1, 4).map(Number);
      if (x === undefined || y === undefined || z === undefined || [x, y, z].some(Number.isNaN)) {
        throw corruptMedia('obj', '3D model', `line ${lineNumber} is not a vertex: "${line.slice(0, 60)}"`);
      }
      distinct.add(x, y, z);
      bounds.add(x, y, z);
      vertices++;
    } else if (keyword === 'f') {
      const corners = words.slice(1);
      for (const corner of corners) {
        const [v, vt, vn] = corner.split('/');
        const index = Number(v);
        // Negative indices count back from the latest vertex.
        const resolved = index < 0 ? vertices + 1 + index : index;
        if (!Number.isInteger(index) || resolved < 1 || resolved > vertices) {
          throw corruptMedia('obj', '3D model', `line ${lineNumber} refers to vertex ${v}, but ${vertices} are defined before it`);
        }
        hasUVs ||= vt !== undefined && vt !== '';
        hasNormals ||= vn !== undefined && vn !== '';
      }
      faceCount += Math.max(0, corners.length - 2);
    }
  }
  if (vertices === 0) throw corruptMedia('obj', '3D model', 'it defines no vertex');
  const dimensions = bounds.size();
  return {
    format: 'obj',
    size,
    vertexCount: distinct.count,
    faceCount,
    hasUVs,
    hasNormals,
    ...NO_RIG,
    ...(dimensions ? { dimensions } : {}),
  };
}
