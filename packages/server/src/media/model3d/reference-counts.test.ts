import { readFile } from 'node:fs/promises';
import type { BufferGeometry, Mesh, Object3D } from 'three';
import { FBXLoader } from 'three/addons/loaders/FBXLoader.js';
import { OBJLoader } from 'three/addons/loaders/OBJLoader.js';
import { PLYLoader } from 'three/addons/loaders/PLYLoader.js';
import { STLLoader } from 'three/addons/loaders/STLLoader.js';
import { mergeVertices } from 'three/addons/utils/BufferGeometryUtils.js';
import { describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../../test/helpers/media-files.ts';

/**
 * The reference vertex counts of the OBJ, STL, PLY and FBX fixtures checked against an
 * independent reader: three's loaders give a corner per face corner (or the stored vertices),
 * and mergeVertices welds corners of equal position, normal and UV, as a renderer indexes them.
 * (glTF's are checked against glTF-Transform in gltf.test.ts; VOX stores no vertices.)
 */

/** Vertices of a geometry welded on what the count compares: skin weights and colours are per point already. */
function weldedCount(geometry: BufferGeometry): number {
  for (const name of Object.keys(geometry.attributes)) if (!['position', 'normal', 'uv'].includes(name)) geometry.deleteAttribute(name);
  return mergeVertices(geometry).getAttribute('position').count;
}

function sceneCount(scene: Object3D): number {
  let count = 0;
  scene.traverse((object) => {
    if ((object as Mesh).isMesh) count += weldedCount((object as Mesh).geometry);
  });
  return count;
}

async function threeCount(file: string): Promise<number> {
  const bytes = await readFile(fixtureFile(file).path);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (file.endsWith('.obj')) return sceneCount(new OBJLoader().parse(bytes.toString('utf8')));
  if (file.endsWith('.stl')) return weldedCount(new STLLoader().parse(buffer));
  if (file.endsWith('.ply')) return weldedCount(new PLYLoader().parse(buffer));
  return sceneCount(new FBXLoader().parse(buffer, ''));
}

describe('reference vertex counts', () => {
  const references = MODEL_REFERENCES.filter((model) => /\.(obj|stl|ply|fbx)$/.test(model.file));

  it.each(references)('$file: three.js welds its corners into the reference count', async ({ file, properties }) => {
    expect(await threeCount(file)).toBe(properties.vertexCount);
  });
});
