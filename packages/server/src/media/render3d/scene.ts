/**
 * What the software renderer draws: triangle meshes already placed in one coordinate system,
 * with what colours them. Readers of each 3D format build one (`model3d/meshes.ts`).
 */
export interface MeshBatch {
  /** x, y, z per vertex. */
  readonly positions: Float32Array;
  /** Three vertex indices per triangle. */
  readonly indices: Uint32Array;
  /** Unit normals per vertex (x, y, z), for smooth shading; without them each face is lit flat. */
  readonly normals?: Float32Array;
  /** sRGB colour per vertex (r, g, b in 0–1), multiplied into the base colour. */
  readonly colors?: Float32Array;
  /** u, v per vertex, for the texture. */
  readonly uvs?: Float32Array;
  readonly texture?: Texture;
  /** sRGB base colour (r, g, b in 0–1). */
  readonly baseColor: readonly [number, number, number];
}

/** A decoded image: RGBA, 8 bits per channel, rows top to bottom. */
export interface Texture {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface Scene {
  readonly batches: readonly MeshBatch[];
  /** The axis that points up in the file's convention: glTF and OBJ are y-up, STL and VOX z-up. */
  readonly up: 'y' | 'z';
}

export const triangleCount = (scene: Scene) => scene.batches.reduce((sum, batch) => sum + batch.indices.length / 3, 0);

/** The grey models are drawn in when the file says nothing of colour. */
export const DEFAULT_COLOR = [0.78, 0.78, 0.8] as const;

/** Linear-light colour (glTF's factors and vertex colours) to sRGB, per channel. */
export const linearToSrgb = (value: number) => (value <= 0.0031308 ? 12.92 * value : 1.055 * Math.max(0, value) ** (1 / 2.4) - 0.055);
