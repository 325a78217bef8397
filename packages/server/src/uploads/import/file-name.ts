const FALLBACK_NAME = 'download';
const MAX_NAME_LENGTH = 255;

/**
 * A plain file name for display: the last segment of whatever path-like text came in, without
 * control or bidirectional-override characters, trimmed, at most 255 characters. Undefined when
 * nothing usable is left. Imported names are only ever labels, never paths, but they are shown
 * to people and sent in headers.
 */
export function plainFileName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const lastSegment = raw.split(/[/\\]/).pop() ?? '';
  const name = lastSegment
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
  if (name === '' || /^\.+$/.test(name)) return undefined;
  return truncateKeepingExtension(name, MAX_NAME_LENGTH);
}

/** plainFileName, or 'download' when there is none. */
export const sanitizeFileName = (raw: string | undefined): string => plainFileName(raw) ?? FALLBACK_NAME;

function truncateKeepingExtension(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  if (extension.length === 0 || extension.length > 16) return chars.slice(0, max).join('');
  return chars.slice(0, max - extension.length).join('') + extension.join('');
}

/**
 * The file name a Content-Disposition header suggests: RFC 6266 `filename*` (RFC 5987
 * encoded) wins over plain `filename`, which may be quoted. Undefined when there is neither.
 */
export function fileNameFromContentDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /(?:^|;)\s*filename\*\s*=\s*([^;]+)/i.exec(header)?.[1]?.trim();
  if (extended) {
    const match = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(extended.replace(/^"(.*)"$/, '$1'));
    const charset = match?.[1]?.toLowerCase();
    const encoded = match?.[2];
    if (encoded !== undefined && (charset === 'utf-8' || charset === 'iso-8859-1')) {
      const decoded = charset === 'utf-8' ? safeDecode(encoded) : latin1Decode(encoded);
      if (decoded) return decoded;
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/i.exec(header);
  if (!plain) return undefined;
  const value = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, '$1') : (plain[1] ?? '').trim();
  return value || undefined;
}

/** The decoded last non-empty segment of a URL's path, if any. */
export function fileNameFromUrl(url: URL): string | undefined {
  const segment = url.pathname.split('/').findLast((part) => part !== '');
  return segment === undefined ? undefined : safeDecode(segment);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function latin1Decode(text: string): string {
  return text.replace(/%([0-9a-f]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
