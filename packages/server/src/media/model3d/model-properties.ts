/**
 * The `properties` of a 3D asset, named as spec 004 names them. A field a format cannot tell
 * is left out rather than guessed; one the format cannot hold (a skeleton in STL) is false or 0.
 */
export type ModelProperties = {
  readonly format: string;
  readonly size: number;
  /** Distinct vertex positions, summed over the meshes (a corner shared by faces counts once). */
  readonly vertexCount?: number;
  /** Triangles: a polygon of n corners counts n − 2. */
  readonly faceCount?: number;
  readonly hasUVs?: boolean;
  readonly hasNormals?: boolean;
  readonly hasSkeleton?: boolean;
  readonly boneCount?: number;
  readonly hasAnimations?: boolean;
  /** Distinct keyframe times over all animation curves. */
  readonly animationFrameCount?: number;
  /**
   * Size of the bounding box along x, y and z, in the file's own axes: in metres for formats
   * that declare a unit (glTF, FBX), in the file's units otherwise (OBJ, STL, PLY; voxels for VOX).
   */
  readonly dimensions?: readonly [number, number, number];
};

/** The fields of a format that stores no skeleton and no animation. */
export const NO_RIG = { hasSkeleton: false, boneCount: 0, hasAnimations: false, animationFrameCount: 0 } as const;

/**
 * Counts distinct (x, y, z) positions at single precision, with an open-addressing hash over
 * the float bits: a mesh of millions of vertices costs a few typed arrays, not millions of strings.
 */
export class DistinctPositions {
  #bits = new Uint32Array(3 * 1024);
  #slots = new Int32Array(2048).fill(-1);
  #count = 0;
  readonly #scratch = new Float32Array(3);
  readonly #scratchBits = new Uint32Array(this.#scratch.buffer);

  get count(): number {
    return this.#count;
  }

  add(x: number, y: number, z: number): void {
    // + 0 turns −0 into +0, so the two zeros are one position.
    this.#scratch[0] = x + 0;
    this.#scratch[1] = y + 0;
    this.#scratch[2] = z + 0;
    const a = this.#scratchBits[0] as number;
    const b = this.#scratchBits[1] as number;
    const c = this.#scratchBits[2] as number;
    const mask = this.#slots.length - 1;
    let slot = hash3(a, b, c) & mask;
    for (;;) {
      const index = this.#slots[slot] as number;
      if (index === -1) break;
      if (this.#bits[index * 3] === a && this.#bits[index * 3 + 1] === b && this.#bits[index * 3 + 2] === c) return;
      slot = (slot + 1) & mask;
    }
    if (this.#count * 3 + 3 > this.#bits.length) {
      const grown = new Uint32Array(this.#bits.length * 2);
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits.set([a, b, c], this.#count * 3);
    this.#slots[slot] = this.#count++;
    if (this.#count * 2 > this.#slots.length) this.#rehash();
  }

  #rehash(): void {
    this.#slots = new Int32Array(this.#slots.length * 2).fill(-1);
    const mask = this.#slots.length - 1;
    for (let index = 0; index < this.#count; index++) {
      let slot = hash3(this.#bits[index * 3] as number, this.#bits[index * 3 + 1] as number, this.#bits[index * 3 + 2] as number) & mask;
      while (this.#slots[slot] !== -1) slot = (slot + 1) & mask;
      this.#slots[slot] = index;
    }
  }
}

function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** An axis-aligned bounding box grown point by point. */
export class Bounds {
  minX = Infinity;
  minY = Infinity;
  minZ = Infinity;
  maxX = -Infinity;
  maxY = -Infinity;
  maxZ = -Infinity;

  add(x: number, y: number, z: number): void {
    if (x < this.minX) this.minX = x;
    if (x > this.maxX) this.maxX = x;
    if (y < this.minY) this.minY = y;
    if (y > this.maxY) this.maxY = y;
    if (z < this.minZ) this.minZ = z;
    if (z > this.maxZ) this.maxZ = z;
  }

  /** The box's size, or undefined when no finite point was added. */
  size(): [number, number, number] | undefined {
    const size = [this.maxX - this.minX, this.maxY - this.minY, this.maxZ - this.minZ].map(roundSize);
    return size.every(Number.isFinite) ? (size as [number, number, number]) : undefined;
  }
}

/** Sizes to 6 significant digits: single-precision coordinates carry no more, and 1.9999999 reads as 2. */
export const roundSize = (value: number) => (value === 0 || !Number.isFinite(value) ? value : Number(value.toPrecision(6)));
