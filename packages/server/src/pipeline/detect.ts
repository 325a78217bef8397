import { formatOfContentType } from '@assetd/contract/formats';
import { fileTypeFromBuffer } from 'file-type';
import type { AssetKind } from '../assets/asset.ts';
import { asSource, type ByteSource } from '../media/byte-source.ts';

/** A format recognised from a file's bytes. */
export interface DetectedFormat {
  readonly kind: AssetKind;
  readonly mimeType: string;
  /** Short name: png, mp3, glb… */
  readonly format: string;
}

/** What file-type reports, as one of the contract's formats. */
function formatOfFileType(mime: string): DetectedFormat | undefined {
  const known = formatOfContentType(mime);
  return known ? { kind: known.kind, mimeType: known.mimeType, format: known.format } : undefined;
}

const HEAD_BYTES = 64 * 1024;

/** The first bytes, where every format we detect says what it is. */
const readHead = (source: ByteSource) => source.read(0, Math.min(source.size, HEAD_BYTES));

/** 3D formats file-type does not know, recognised from their first bytes (and, for STL, the size). */
export function sniff3d(head: Buffer, size: number): DetectedFormat | undefined {
  const ascii = head.subarray(0, 32).toString('latin1');
  if (ascii.startsWith('glTF')) return { kind: '3d', mimeType: 'model/gltf-binary', format: 'glb' };
  if (ascii.startsWith('Kaydara FBX Binary')) return { kind: '3d', mimeType: 'application/vnd.autodesk.fbx', format: 'fbx' };
  if (ascii.startsWith('VOX ')) return { kind: '3d', mimeType: 'model/x-3d-vox', format: 'vox' };
  if (/^ply\r?\n/.test(ascii)) return { kind: '3d', mimeType: 'model/ply', format: 'ply' };
  // Binary STL: an 80-byte header, a triangle count, then exactly 50 bytes per triangle.
  if (size >= 84 && head.length >= 84 && 84 + head.readUInt32LE(80) * 50 === size)
    return { kind: '3d', mimeType: 'model/stl', format: 'stl' };
  const text = head.toString('utf8');
  if (/^\s*solid\b/.test(text) && /\bfacet\s+normal\b/.test(text)) return { kind: '3d', mimeType: 'model/stl', format: 'stl' };
  if (/^\s*;\s*FBX\s/.test(text)) return { kind: '3d', mimeType: 'application/vnd.autodesk.fbx', format: 'fbx' };
  if (/^\s*\{/.test(text) && /"asset"\s*:/.test(text) && /"version"\s*:/.test(text))
    return { kind: '3d', mimeType: 'model/gltf+json', format: 'gltf' };
  if (looksLikeObj(text)) return { kind: '3d', mimeType: 'model/obj', format: 'obj' };
  return undefined;
}

/** OBJ is plain text: vertex lines and faces or other OBJ statements, and nothing binary. */
function looksLikeObj(text: string): boolean {
  if (text.includes('\u0000')) return false;
  const lines = text.split(/\r?\n/).slice(0, 2000);
  let vertices = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const keyword = line.split(/\s+/, 1)[0] ?? '';
    if (keyword === 'v') vertices++;
    else if (!['vt', 'vn', 'vp', 'f', 'l', 'p', 'o', 'g', 's', 'usemtl', 'mtllib'].includes(keyword)) return false;
  }
  return vertices >= 3;
}

/** The file's format from its bytes, or undefined when it is none we know (SVG is left to the image probe). */
export async function detectFormat(input: ByteSource | { path: string; size: number }): Promise<DetectedFormat | undefined> {
  const source = asSource(input);
  if (source.size === 0) return undefined;
  // One ranged read serves both detectors: remote objects are not downloaded to be identified.
  const head = await readHead(source);
  const detected = await fileTypeFromBuffer(head);
  const known = detected ? formatOfFileType(detected.mime) : undefined;
  if (known) return known;
  return sniff3d(head, source.size);
}

/**
 * Whether the file reads as text (UTF-8 with no control characters other than line breaks and
 * tabs), so a refusal can say "plain text" rather than "unknown format".
 */
export async function looksLikeText(input: ByteSource | { path: string; size: number }): Promise<boolean> {
  const source = asSource(input);
  if (source.size === 0) return false;
  const head = await readHead(source);
  const allowed = new Set([0x09, 0x0a, 0x0c, 0x0d]);
  if (head.some((byte) => (byte < 0x20 && !allowed.has(byte)) || byte === 0x7f)) return false;
  try {
    // stream: true lets a character cut in two at the end of the sample pass.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}
