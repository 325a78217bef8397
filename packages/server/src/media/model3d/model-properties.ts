/**
 * The `properties` of a 3D asset, named as spec 004 names them. A field a format cannot tell
 * is left out rather than guessed; one the format cannot hold (a skeleton in STL) is false or 0.
 */
export type ModelProperties = {
  readonly format: string;
  readonly size: number;
  /**
   * Vertices as a renderer uploads them, summed over the meshes: a corner shared by faces counts
   * once only where the faces share its position, normal and UV too (a cube with flat faces: 24).
   */
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
 * A set of rows (numbered tuples of 32-bit words) compared by content, with an open-addressing
 * hash table of row numbers: a mesh of millions of vertices costs a few typed arrays, not
 * millions of strings or objects. Subclasses say where a row's words are.
 */
abstract class RowSet {
  #slots = new Int32Array(2048).fill(-1);
  #count = 0;

  /** The distinct rows added. */
  get count(): number {
    return this.#count;
  }

  protected abstract hashRow(row: number): number;
  protected abstract sameRows(a: number, b: number): boolean;

  /** Adds a row unless an equal one is in the set; true when it was new. */
  protected insert(row: number): boolean {
    const mask = this.#slots.length - 1;
    let slot = this.hashRow(row) & mask;
    for (;;) {
      const held = this.#slots[slot] as number;
      if (held === -1) break;
      if (this.sameRows(held, row)) return false;
      slot = (slot + 1) & mask;
    }
    this.#slots[slot] = row;
    // At most half full, so a probe ends soon.
    if (++this.#count * 2 > this.#slots.length) this.#grow();
    return true;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2).fill(-1);
    const mask = this.#slots.length - 1;
    for (const row of old) {
      if (row === -1) continue;
      let slot = this.hashRow(row) & mask;
      while (this.#slots[slot] !== -1) slot = (slot + 1) & mask;
      this.#slots[slot] = row;
    }
  }
}

/**
 * Counts distinct tuples of a fixed width (a corner's indices, or its position, normal and UV)
 * built one at a time: set the next tuple's words with setInt/setFloat, then call add(). The set
 * keeps a copy of each distinct tuple, for readers that hold no array of them (OBJ is streamed).
 */
export class DistinctTuples extends RowSet {
  readonly #width: number;
  #words: Uint32Array;
  #floats: Float32Array;

  constructor(width: number) {
    super();
    this.#width = width;
    this.#words = new Uint32Array(width * 1024);
    this.#floats = new Float32Array(this.#words.buffer);
  }

  /** Sets word k of the next tuple to an index (taken modulo 2³²). */
  setInt(k: number, value: number): this {
    this.#words[this.count * this.#width + k] = value;
    return this;
  }

  /** Sets word k of the next tuple to a coordinate, at single precision (what a GPU holds). */
  setFloat(k: number, value: number): this {
    // + 0 turns −0 into +0, so the two zeros are one value.
    this.#floats[this.count * this.#width + k] = value + 0;
    return this;
  }

  /** Adds the tuple set by setInt/setFloat, unless an equal one was added before. */
  add(): void {
    // The next tuple is written in place as row `count`: kept if new, overwritten if not.
    if (!this.insert(this.count) || (this.count + 1) * this.#width <= this.#words.length) return;
    const grown = new Uint32Array(this.#words.length * 2);
    grown.set(this.#words);
    this.#words = grown;
    this.#floats = new Float32Array(grown.buffer);
  }

  protected hashRow(row: number): number {
    let h = HASH_SEED;
    for (let k = 0, at = row * this.#width; k < this.#width; k++) h = mixWord(h, this.#words[at + k] as number);
    return finishHash(h);
  }

  protected sameRows(a: number, b: number): boolean {
    const width = this.#width;
    for (let k = 0; k < width; k++) if (this.#words[a * width + k] !== this.#words[b * width + k]) return false;
    return true;
  }
}

/** Words of a caller's array, `width` to a row: row r is words[r·width … r·width + width − 1]. */
export interface WordColumns {
  readonly words: Uint32Array;
  readonly width: number;
}

/**
 * Counts distinct rows of arrays the caller already holds (a loader's positions and normals,
 * row r of each making tuple r): the set holds row numbers only, so no tuple is copied.
 */
export class DistinctRows extends RowSet {
  // Kept as two flat lists, not the objects given: this is the inner loop of tens of millions of rows.
  readonly #words: Uint32Array[];
  readonly #widths: number[];

  constructor(columns: readonly WordColumns[]) {
    super();
    this.#words = columns.map((column) => column.words);
    this.#widths = columns.map((column) => column.width);
  }

  add(row: number): void {
    this.insert(row);
  }

  protected hashRow(row: number): number {
    let h = HASH_SEED;
    for (let c = 0; c < this.#words.length; c++) {
      const words = this.#words[c] as Uint32Array;
      const width = this.#widths[c] as number;
      for (let k = 0, at = row * width; k < width; k++) h = mixWord(h, words[at + k] as number);
    }
    return finishHash(h);
  }

  protected sameRows(a: number, b: number): boolean {
    for (let c = 0; c < this.#words.length; c++) {
      const words = this.#words[c] as Uint32Array;
      const width = this.#widths[c] as number;
      for (let k = 0; k < width; k++) if (words[a * width + k] !== words[b * width + k]) return false;
    }
    return true;
  }
}

/** The bits of single-precision coordinates as words to compare, −0 made +0 in place first so the two zeros are one value. */
export function coordinateWords(values: Float32Array): Uint32Array {
  for (let i = 0; i < values.length; i++) if (values[i] === 0) values[i] = 0;
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

const HASH_SEED = 0x9e3779b9;

function mixWord(h: number, word: number): number {
  const mixed = Math.imul(h ^ word, 0x85ebca6b);
  return mixed ^ (mixed >>> 13);
}

function finishHash(h: number): number {
  const mixed = Math.imul(h, 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
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
