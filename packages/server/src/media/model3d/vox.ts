import { corruptMedia, truncatedMedia } from '../media-errors.ts';
import type { ModelProperties } from './model-properties.ts';

/**
 * Reads a MagicaVoxel .vox file: a "VOX " header, then a MAIN chunk whose children are a SIZE
 * and an XYZI chunk per model and, since version 0.99, a scene graph (nTRN/nGRP/nSHP) that
 * places the models and can animate them by frames. Voxels have no vertices, faces, UVs or
 * normals of their own (a renderer makes them), so those counts are left out.
 */

interface Chunk {
  readonly id: string;
  readonly content: Uint8Array;
  readonly children: Uint8Array;
}

const broken = (detail: string) => corruptMedia('vox', '3D model', detail);

/** The chunks laid end to end in `bytes`. */
function chunksOf(bytes: Uint8Array): Chunk[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw truncatedMedia('vox', '3D model', `a chunk header is cut off at byte ${at}`);
    const id = Buffer.from(bytes.subarray(at, at + 4)).toString('latin1');
    const contentSize = view.getUint32(at + 4, true);
    const childrenSize = view.getUint32(at + 8, true);
    const end = at + 12 + contentSize + childrenSize;
    if (end > bytes.length) {
      throw truncatedMedia('vox', '3D model', `its ${id} chunk declares ${contentSize + childrenSize} bytes, past the end of the file`);
    }
    chunks.push({
      id,
      content: bytes.subarray(at + 12, at + 12 + contentSize),
      children: bytes.subarray(at + 12 + contentSize, end),
    });
    at = end;
  }
  return chunks;
}

/** A little reader over a chunk's content: int32s, strings and the DICT of string pairs. */
class ContentReader {
  readonly #view: DataView;
  #at = 0;

  constructor(content: Uint8Array) {
    this.#view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  }

  int(): number {
    if (this.#at + 4 > this.#view.byteLength) throw broken('a chunk ends in the middle of its fields');
    const value = this.#view.getInt32(this.#at, true);
    this.#at += 4;
    return value;
  }

  string(): string {
    const length = this.int();
    if (length < 0 || this.#at + length > this.#view.byteLength) throw broken('a chunk holds a string longer than itself');
    const value = Buffer.from(this.#view.buffer, this.#view.byteOffset + this.#at, length).toString('latin1');
    this.#at += length;
    return value;
  }

  dict(): Map<string, string> {
    const entries = new Map<string, string>();
    const count = this.int();
    for (let i = 0; i < count; i++) entries.set(this.string(), this.string());
    return entries;
  }
}

/** The axes a rotation byte (_r) maps x, y and z onto: bits 0–1 and 2–3 pick the rows' non-zero columns. */
function rotatedAxes(rotation: number): [number, number, number] {
  const first = rotation & 3;
  const second = (rotation >> 2) & 3;
  const third = 3 - first - second;
  return [first, second, third];
}

export function probeVox(bytes: Uint8Array): ModelProperties {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== 'VOX ') throw broken('it does not start with "VOX "');
  const main = chunksOf(bytes.subarray(8)).find((chunk) => chunk.id === 'MAIN');
  if (!main) throw broken('it has no MAIN chunk');
  const children = chunksOf(main.children);
  const sizes = children
    .filter((chunk) => chunk.id === 'SIZE')
    .map((chunk) => {
      const reader = new ContentReader(chunk.content);
      return [reader.int(), reader.int(), reader.int()] as [number, number, number];
    });
  const models = children.filter((chunk) => chunk.id === 'XYZI');
  if (sizes.length === 0 || sizes.length !== models.length) throw broken(`it has ${sizes.length} SIZE and ${models.length} XYZI chunks`);

  // Animation lives in the scene graph: a transform with several frames, or a shape with a model per frame.
  const frames = new Set<string>();
  // Rotations that swap axes (signs do not change a size); the identity's byte is 4.
  const turns: number[] = [];
  for (const chunk of children) {
    if (chunk.id !== 'nTRN' && chunk.id !== 'nSHP') continue;
    const reader = new ContentReader(chunk.content);
    reader.int(); // node id
    reader.dict(); // node attributes
    if (chunk.id === 'nTRN') {
      reader.int(); // child node id
      reader.int(); // reserved
      reader.int(); // layer id
      const count = reader.int();
      for (let i = 0; i < count; i++) {
        const frame = reader.dict();
        if (count > 1) frames.add(frame.get('_f') ?? String(i));
        const turn = Number(frame.get('_r') ?? 4);
        if (rotatedAxes(turn).some((axis, row) => axis !== row)) turns.push(turn);
      }
    } else {
      const count = reader.int();
      for (let i = 0; i < count; i++) {
        reader.int(); // model id
        const attributes = reader.dict();
        if (count > 1) frames.add(attributes.get('_f') ?? String(i));
      }
    }
  }
  // One model: its box, turned by its transform's rotation. Several are placed by the scene
  // graph relative to their centres, and turns can compose, which this reader does not resolve:
  // no size is given then.
  const single = sizes.length === 1 && frames.size === 0 && turns.length <= 1 ? sizes[0] : undefined;
  const axes = rotatedAxes(turns[0] ?? 4);
  const dimensions = single ? (axes.map((axis) => single[axis] as number) as [number, number, number]) : undefined;
  return {
    format: 'vox',
    size: bytes.length,
    hasUVs: false,
    hasNormals: false,
    hasSkeleton: false,
    boneCount: 0,
    hasAnimations: frames.size > 0,
    animationFrameCount: frames.size,
    ...(dimensions ? { dimensions } : {}),
  };
}
