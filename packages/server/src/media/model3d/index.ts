import { readFile } from 'node:fs/promises';
import { probeFbx } from './fbx.ts';
import { probeGltf } from './gltf.ts';
import type { ModelProperties } from './model-properties.ts';
import { probeObj } from './obj.ts';
import { probePly } from './ply.ts';
import { probeStl } from './stl.ts';
import { probeVox } from './vox.ts';

export type { ModelProperties } from './model-properties.ts';

export const MODEL_FORMATS = ['glb', 'gltf', 'obj', 'stl', 'ply', 'fbx', 'vox'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/**
 * Counting vertices and sizing a mesh needs all of its geometry, so binary formats are read
 * whole; past this size a model is imported with its format and size only, rather than
 * holding gigabytes in memory. OBJ is streamed line by line and has no such limit.
 */
export const MAX_MODEL_BYTES_IN_MEMORY = 1024 ** 3;

export const isModelFormat = (format: string): format is ModelFormat => (MODEL_FORMATS as readonly string[]).includes(format);

/** Measures a 3D model of a format recognised from its bytes; throws when the file is corrupt or truncated. */
export async function probeModel(file: { path: string; size: number }, format: ModelFormat): Promise<ModelProperties> {
  if (format === 'obj') return probeObj(file.path, file.size);
  if (file.size > MAX_MODEL_BYTES_IN_MEMORY) return { format, size: file.size };
  const bytes = await readFile(file.path);
  switch (format) {
    case 'glb':
    case 'gltf':
      return probeGltf(bytes, format);
    case 'stl':
      return probeStl(bytes);
    case 'ply':
      return probePly(bytes);
    case 'fbx':
      return probeFbx(bytes);
    case 'vox':
      return probeVox(bytes);
  }
}
