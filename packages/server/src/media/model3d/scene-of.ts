import { readFile } from 'node:fs/promises';
import type { Scene } from '../render3d/scene.ts';
import { gltfScene } from './gltf-scene.ts';
import type { ModelFormat } from './index.ts';
import { fbxScene, objScene, plyScene, stlScene, voxScene } from './mesh-scenes.ts';

/** The drawable triangles of a 3D file of a format its bytes were recognised as. */
export async function sceneOf(path: string, format: ModelFormat): Promise<Scene> {
  if (format === 'obj') return objScene(path);
  const bytes = await readFile(path);
  switch (format) {
    case 'glb':
    case 'gltf':
      return gltfScene(bytes, format);
    case 'stl':
      return stlScene(bytes);
    case 'ply':
      return plyScene(bytes);
    case 'fbx':
      return fbxScene(bytes);
    case 'vox':
      return voxScene(bytes);
  }
}
