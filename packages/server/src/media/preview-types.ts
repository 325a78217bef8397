/**
 * The types of the previews the pipeline makes, apart from the code that makes them (which
 * loads sharp): the API process names them without loading any media library.
 */
export const THUMBNAIL_MIME = 'image/webp';
/** The larger previews (a 3D model's render) are WebP too. */
export const PREVIEW_MIME = 'image/webp';
/** Waveform peaks are a small JSON document. */
export const WAVEFORM_MIME = 'application/json';
/** SVG has no magic bytes; it is recognised by parsing, which is only worth doing for small files. */
export const MAX_SVG_BYTES = 16 * 1024 * 1024;
