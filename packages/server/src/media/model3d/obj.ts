import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { corruptMedia } from '../media-errors.ts';
import { Bounds, DistinctTuples, type ModelProperties, NO_RIG } from './model-properties.ts';

/**
 * Reads a Wavefront OBJ line by line from disk. Written here rather than taken from three's
 * OBJLoader, which needs the whole text as one string and invents a face normal for every face
 * without one, so it cannot say whether the file has normals.
 */
export async function probeObj(path: string, size: number): Promise<ModelProperties> {
  // A renderer makes one vertex of each distinct v/vt/vn triple the faces use: a cube's corner
  // on three faces with their own normals is three vertices.
  const triples = new DistinctTuples(3);
  const bounds = new Bounds();
  let vertices = 0;
  let uvs = 0;
  let normals = 0;
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
      bounds.add(x, y, z);
      vertices++;
    } else if (keyword === 'vt') uvs++;
    else if (keyword === 'vn') normals++;
    else if (keyword === 'f') {
      const corners = words.slice(1);
      for (const corner of corners) {
        const [v, vt, vn] = corner.split('/');
        const resolved = resolveIndex(v, vertices);
        if (!Number.isInteger(resolved) || resolved < 1 || resolved > vertices) {
          throw corruptMedia('obj', '3D model', `line ${lineNumber} refers to vertex ${v}, but ${vertices} are defined before it`);
        }
        hasUVs ||= vt !== undefined && vt !== '';
        hasNormals ||= vn !== undefined && vn !== '';
        // A face of fewer than 3 corners draws nothing, so its corners make no vertex.
        if (corners.length >= 3) triples.setInt(0, resolved).setInt(1, resolveIndex(vt, uvs)).setInt(2, resolveIndex(vn, normals)).add();
      }
      faceCount += Math.max(0, corners.length - 2);
    }
  }
  if (vertices === 0) throw corruptMedia('obj', '3D model', 'it defines no vertex');
  const dimensions = bounds.size();
  return {
    format: 'obj',
    size,
    vertexCount: triples.count,
    faceCount,
    hasUVs,
    hasNormals,
    ...NO_RIG,
    ...(dimensions ? { dimensions } : {}),
  };
}

/**
 * A face's 1-based index into the `v`, `vt` or `vn` lines read so far (`defined` of them);
 * negative indices count back from the latest. An absent index (`1//3`) is 0; a word that is
 * not a number is NaN.
 */
function resolveIndex(word: string | undefined, defined: number): number {
  if (word === undefined || word === '') return 0;
  const index = Number(word);
  return index < 0 ? defined + 1 + index : index;
}
