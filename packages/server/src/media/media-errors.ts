import { AppError } from '../errors.ts';

/** "MP4 video", "FLAC audio", "GLB 3D model": how messages name the file a user sent. */
export type MediaNoun = 'audio' | 'video' | '3D model';

const named = (format: string, noun: MediaNoun) => `${format.toUpperCase()} ${noun}`;

/** The file is the format its bytes say, but its content cannot be read. */
export function corruptMedia(format: string, noun: MediaNoun, detail: string, cause?: unknown): AppError {
  return new AppError(
    'UNSUPPORTED_FORMAT',
    `The ${named(format, noun)} could not be read (${detail}): the file is corrupt; export it again and upload the new file`,
    undefined,
    cause,
  );
}

/** The file stops before the end its own structure declares: an incomplete upload or copy. */
export function truncatedMedia(format: string, noun: MediaNoun, detail: string): AppError {
  return new AppError('UNSUPPORTED_FORMAT', `The ${named(format, noun)} is truncated (${detail}): upload the complete file`);
}
