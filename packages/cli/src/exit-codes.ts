import { APIConnectionError, APIError, APIUserAbortError, AssetdError, UploadFailedError, UploadInterruptedError } from '@assetd/sdk';

/** What the exit status of a client command says went wrong; documented in `assetd --help`. */
export const EXIT = {
  ok: 0,
  /** Bad usage, bad configuration, or an unexpected error. */
  usage: 1,
  /** One or more files were not uploaded (refused by validation, or the transfer failed). */
  uploadFailed: 2,
  /** The credentials were refused (401) or the link is not allowed (403). */
  auth: 3,
  /** What was named does not exist (404). */
  notFound: 4,
  /** The server refused the request (another 4xx: invalid input, wrong state, too large…). */
  refused: 5,
  /** The server could not be reached, timed out, or failed (5xx). */
  unavailable: 6,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `
Exit codes (client commands):
  0    success
  1    usage or configuration error
  2    one or more files were not uploaded
  3    credentials refused (401) or forbidden (403)
  4    not found (404)
  5    request refused (other 4xx: invalid input, wrong state, too large)
  6    server unreachable, timed out, or failing (5xx)
  130  interrupted (Ctrl-C)`;

export function exitCodeFor(error: unknown): number {
  if (error instanceof APIUserAbortError) return EXIT.interrupted;
  if (error instanceof UploadFailedError) return EXIT.uploadFailed;
  if (error instanceof UploadInterruptedError) return exitCodeFor(error.cause);
  if (error instanceof APIError) {
    if (error.status === 401 || error.status === 403) return EXIT.auth;
    if (error.status === 404) return EXIT.notFound;
    if (error.status >= 500) return EXIT.unavailable;
    return EXIT.refused;
  }
  if (error instanceof APIConnectionError) return EXIT.unavailable;
  if (error instanceof AssetdError) return EXIT.usage;
  return EXIT.usage;
}

/** A failure the command has already explained on stderr; `run` only turns it into the exit status. */
export class ExitError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message = '') {
    super(message);
    this.exitCode = exitCode;
  }
}

/** How an error reads on stderr: the server's code and request id when there are some. */
export function describeError(error: unknown): string {
  if (error instanceof UploadFailedError) return error.message;
  if (error instanceof UploadInterruptedError && error.cause instanceof APIError) {
    return `${error.message} [${error.cause.code}${error.cause.requestId ? `, request ${error.cause.requestId}` : ''}]`;
  }
  if (error instanceof APIError) return `${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
