import { corruptMedia, truncatedMedia } from '../media-errors.ts';
import { Bounds, type ModelProperties, NO_RIG } from './model-properties.ts';

/**
 * A reader for PLY, ASCII and binary. Written here rather than taken from three's PLYLoader,
 * which drops faces of more than four corners (so it would undercount faces) and copies every
 * vertex into JavaScript arrays: this one walks the data once and keeps only counts.
 */

export type ScalarType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

interface Property {
  readonly name: string;
  readonly type: ScalarType;
  /** For a list property: the type of its length prefix. */
  readonly countType?: ScalarType;
}

export interface Element {
  readonly name: string;
  readonly count: number;
  readonly properties: Property[];
}

const TYPE_NAMES: Record<string, ScalarType> = {
  char: 'int8',
  int8: 'int8',
  uchar: 'uint8',
  uint8: 'uint8',
  short: 'int16',
  int16: 'int16',
  ushort: 'uint16',
  uint16: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  uint32: 'uint32',
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
};

const TYPE_SIZES: Record<ScalarType, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

const UV_NAMES = [
  ['u', 'v'],
  ['s', 't'],
  ['texture_u', 'texture_v'],
  ['texture_s', 'texture_t'],
];

type Encoding = 'ascii' | 'binary_little_endian' | 'binary_big_endian';

const broken = (detail: string) => corruptMedia('ply', '3D model', detail);

export function parseHeader(bytes: Uint8Array): { encoding: Encoding; elements: Element[]; bodyStart: number } {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64 * 1024)).toString('latin1');
  const end = head.match(/\bend_header\r?\n/);
  if (!end || end.index === undefined) throw broken('its header has no end_header line');
  const lines = head.slice(0, end.index).split(/\r?\n/);
  let encoding: Encoding | undefined;
  const elements: Element[] = [];
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    const keyword = words[0];
    if (keyword === 'format') {
      const value = words[1];
      if (value !== 'ascii' && value !== 'binary_little_endian' && value !== 'binary_big_endian') throw broken(`unknown format "${value}"`);
      encoding = value;
    } else if (keyword === 'element') {
      const count = Number(words[2]);
      if (!words[1] || !Number.isSafeInteger(count) || count < 0) throw broken(`bad element line "${line.slice(0, 80)}"`);
      elements.push({ name: words[1], count, properties: [] });
    } else if (keyword === 'property') {
      const element = elements.at(-1);
      if (!element) throw broken('a property comes before any element');
      element.properties.push(parseProperty(words, line));
    }
  }
  if (!encoding) throw broken('its header has no format line');
  return { encoding, elements, bodyStart: end.index + end[0].length };
}

function parseProperty(words: string[], line: string): Property {
  if (words[1] === 'list') {
    const countType = TYPE_NAMES[words[2] ?? ''];
    const type = TYPE_NAMES[words[3] ?? ''];
    if (!countType || !type || !words[4]) throw broken(`bad property line "${line.slice(0, 80)}"`);
    return { name: words[4], type, countType };
  }
  const type = TYPE_NAMES[words[1] ?? ''];
  if (!type || !words[2]) throw broken(`bad property line "${line.slice(0, 80)}"`);
  return { name: words[2], type };
}

/** Reads the next number of the body, binary or ASCII; undefined at the end of the data. */
export type NextValue = (type: ScalarType) => number | undefined;

export function binaryReader(bytes: Uint8Array, start: number, littleEndian: boolean): NextValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = start;
  return (type) => {
    const size = TYPE_SIZES[type];
    if (at + size > bytes.length) return undefined;
    const offset = at;
    at += size;
    switch (type) {
      case 'int8':
        return view.getInt8(offset);
      case 'uint8':
        return view.getUint8(offset);
      case 'int16':
        return view.getInt16(offset, littleEndian);
      case 'uint16':
        return view.getUint16(offset, littleEndian);
      case 'int32':
        return view.getInt32(offset, littleEndian);
      case 'uint32':
        return view.getUint32(offset, littleEndian);
      case 'float32':
        return view.getFloat32(offset, littleEndian);
      case 'float64':
        return view.getFloat64(offset, littleEndian);
    }
  };
}

export function asciiReader(bytes: Uint8Array, start: number): NextValue {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).toString('latin1');
  const token = /\S+/g;
  return () => {
    const match = token.exec(text);
    if (!match) return undefined;
    const value = Number(match[0]);
    if (Number.isNaN(value)) throw broken(`"${match[0].slice(0, 40)}" is not a number`);
    return value;
  };
}

export function probePly(bytes: Uint8Array): ModelProperties {
  const { encoding, elements, bodyStart } = parseHeader(bytes);
  const next = encoding === 'ascii' ? asciiReader(bytes, bodyStart) : binaryReader(bytes, bodyStart, encoding === 'binary_little_endian');
  const vertexElement = elements.find((element) => element.name === 'vertex');
  const faceElement = elements.find((element) => element.name === 'face');
  const has = (element: Element | undefined, name: string) => element?.properties.some((property) => property.name === name) ?? false;
  if (!vertexElement || !has(vertexElement, 'x') || !has(vertexElement, 'y') || !has(vertexElement, 'z')) {
    throw broken('it declares no vertex element with x, y and z');
  }
  const bounds = new Bounds();
  let faceCount = 0;
  const value = (type: ScalarType, element: Element, index: number): number => {
    const read = next(type);
    if (read === undefined) {
      throw truncatedMedia('ply', '3D model', `its data ends at ${element.name} ${index + 1} of the ${element.count} its header declares`);
    }
    return read;
  };
  for (const element of elements) {
    const isVertex = element === vertexElement;
    const isFace = element === faceElement;
    for (let index = 0; index < element.count; index++) {
      let x = 0;
      let y = 0;
      let z = 0;
      for (const property of element.properties) {
        if (property.countType) {
          const length = value(property.countType, element, index);
          for (let k = 0; k < length; k++) value(property.type, element, index);
          if (isFace && (property.name === 'vertex_indices' || property.name === 'vertex_index')) faceCount += Math.max(0, length - 2);
        } else {
          const read = value(property.type, element, index);
          if (isVertex && property.name === 'x') x = read;
          else if (isVertex && property.name === 'y') y = read;
          else if (isVertex && property.name === 'z') z = read;
        }
      }
      if (isVertex) bounds.add(x, y, z);
    }
  }
  const dimensions = bounds.size();
  return {
    format: 'ply',
    size: bytes.length,
    // PLY stores a vertex as a renderer takes it (position with its normal, UV, colour), and
    // faces index them: the vertex element is the mesh's vertices.
    vertexCount: vertexElement.count,
    faceCount,
    hasUVs: UV_NAMES.some(([u, v]) => has(vertexElement, u as string) && has(vertexElement, v as string)) || has(faceElement, 'texcoord'),
    hasNormals: has(vertexElement, 'nx') && has(vertexElement, 'ny') && has(vertexElement, 'nz'),
    ...NO_RIG,
    ...(dimensions ? { dimensions } : {}),
  };
}
