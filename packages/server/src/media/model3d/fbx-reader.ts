import { inflateSync } from 'node:zlib';
import { corruptMedia, truncatedMedia } from '../media-errors.ts';

/**
 * A reader for binary FBX's node records (the layout Blender's exporter documents and the FBX
 * SDK writes): a 27-byte header, then nested records of a name, typed properties and children.
 * Since version 7500 the record header's three fields are 64-bit instead of 32-bit. Array
 * properties (often zlib-compressed) are decoded only when asked for.
 */

const MAGIC = 'Kaydara FBX Binary  \u0000';

/** A numeric array property, decoded on demand. */
export class FbxArray {
  readonly #type: string;
  readonly #length: number;
  readonly #encoding: number;
  readonly #data: Uint8Array;

  constructor(type: string, length: number, encoding: number, data: Uint8Array) {
    this.#type = type;
    this.#length = length;
    this.#encoding = encoding;
    this.#data = data;
  }

  get length(): number {
    return this.#length;
  }

  /** The values as numbers (64-bit integers are converted: FBX times and ids fit a double's 53 bits). */
  values(): Float64Array | Float32Array | Int32Array | number[] {
    const raw = this.#encoding === 1 ? inflate(this.#data) : this.#data;
    const size = { d: 8, f: 4, i: 4, l: 8, b: 1 }[this.#type] ?? 1;
    if (raw.length < this.#length * size) throw broken(`an array of ${this.#length} values holds only ${raw.length} bytes`);
    // Copy into an aligned buffer: typed arrays cannot start at an odd offset.
    const bytes = new Uint8Array(raw.subarray(0, this.#length * size));
    switch (this.#type) {
      case 'd':
        return new Float64Array(bytes.buffer);
      case 'f':
        return new Float32Array(bytes.buffer);
      case 'i':
        return new Int32Array(bytes.buffer);
      case 'l':
        return Array.from(new BigInt64Array(bytes.buffer), Number);
      default:
        return Array.from(bytes);
    }
  }
}

/** Scalars, strings, raw bytes and arrays; 64-bit integers (object ids) stay exact as bigint. */
export type FbxValue = number | bigint | string | boolean | Uint8Array | FbxArray;

export interface FbxNode {
  readonly name: string;
  readonly properties: FbxValue[];
  readonly children: FbxNode[];
}

export interface FbxDocument {
  readonly version: number;
  readonly nodes: FbxNode[];
}

const broken = (detail: string) => corruptMedia('fbx', '3D model', detail);
const count = (n: number) => n.toLocaleString('en-US');

function inflate(data: Uint8Array): Uint8Array {
  try {
    return inflateSync(data);
  } catch (error) {
    throw corruptMedia('fbx', '3D model', 'a compressed array does not inflate', error);
  }
}

export function isBinaryFbx(bytes: Uint8Array): boolean {
  return bytes.length >= 27 && Buffer.from(bytes.subarray(0, 21)).toString('latin1') === MAGIC;
}

export function readFbx(bytes: Uint8Array): FbxDocument {
  if (!isBinaryFbx(bytes)) throw broken('it does not start with the binary FBX signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(23, true);
  const wide = version >= 7500;
  const headerSize = wide ? 25 : 13;

  const readRecord = (at: number): { node: FbxNode | undefined; end: number } => {
    if (at + headerSize > bytes.length) throw truncatedMedia('fbx', '3D model', `a record header is cut off at byte ${count(at)}`);
    const end = wide ? Number(view.getBigUint64(at, true)) : view.getUint32(at, true);
    const propertyCount = wide ? Number(view.getBigUint64(at + 8, true)) : view.getUint32(at + 4, true);
    const nameLength = view.getUint8(at + headerSize - 1);
    // A record of zeros closes a list of children.
    if (end === 0) return { node: undefined, end: at + headerSize };
    if (end > bytes.length)
      throw truncatedMedia('fbx', '3D model', `a record ends at byte ${count(end)}, past the file's ${count(bytes.length)} bytes`);
    if (end <= at) throw broken(`a record at byte ${at} ends before it starts`);
    const name = Buffer.from(bytes.subarray(at + headerSize, at + headerSize + nameLength)).toString('latin1');
    let cursor = at + headerSize + nameLength;
    const properties: FbxValue[] = [];
    for (let i = 0; i < propertyCount; i++) {
      const read = readProperty(bytes, view, cursor, end);
      properties.push(read.value);
      cursor = read.end;
    }
    const children: FbxNode[] = [];
    while (cursor < end) {
      const child = readRecord(cursor);
      cursor = child.end;
      if (!child.node) break;
      children.push(child.node);
    }
    return { node: { name, properties, children }, end };
  };

  const nodes: FbxNode[] = [];
  let cursor = 27;
  while (cursor + headerSize <= bytes.length) {
    const record = readRecord(cursor);
    if (!record.node) break;
    nodes.push(record.node);
    cursor = record.end;
  }
  return { version, nodes };
}

function readProperty(bytes: Uint8Array, view: DataView, at: number, limit: number): { value: FbxValue; end: number } {
  const need = (size: number) => {
    if (at + 1 + size > limit) throw broken(`a property at byte ${at} runs past its record`);
  };
  const type = String.fromCharCode(view.getUint8(at));
  const start = at + 1;
  switch (type) {
    case 'Y':
      need(2);
      return { value: view.getInt16(start, true), end: start + 2 };
    case 'C':
      need(1);
      return { value: view.getUint8(start) !== 0, end: start + 1 };
    case 'I':
      need(4);
      return { value: view.getInt32(start, true), end: start + 4 };
    case 'F':
      need(4);
      return { value: view.getFloat32(start, true), end: start + 4 };
    case 'D':
      need(8);
      return { value: view.getFloat64(start, true), end: start + 8 };
    case 'L':
      need(8);
      return { value: view.getBigInt64(start, true), end: start + 8 };
    case 'S':
    case 'R': {
      need(4);
      const length = view.getUint32(start, true);
      need(4 + length);
      const data = bytes.subarray(start + 4, start + 4 + length);
      return { value: type === 'S' ? Buffer.from(data).toString('utf8') : data, end: start + 4 + length };
    }
    case 'd':
    case 'f':
    case 'i':
    case 'l':
    case 'b': {
      need(12);
      const length = view.getUint32(start, true);
      const encoding = view.getUint32(start + 4, true);
      const stored = view.getUint32(start + 8, true);
      need(12 + stored);
      const data = bytes.subarray(start + 12, start + 12 + stored);
      return { value: new FbxArray(type, length, encoding, data), end: start + 12 + stored };
    }
    default:
      throw broken(`unknown property type "${type}" at byte ${at}`);
  }
}

/** The first child of `node` with this name. */
export const childNamed = (node: FbxNode | undefined, name: string) => node?.children.find((child) => child.name === name);
