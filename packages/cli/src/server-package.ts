import type * as Server from '@assetd/server';
import { EXIT, ExitError } from './exit-codes.ts';

export type ServerPackage = typeof Server;

/** The Node release whose type stripping runs the server's TypeScript sources. */
const SERVER_NODE_MAJOR = 24;

const missingServer = (command: string) =>
  `assetd ${command} runs the assetd server, which is not installed with this CLI. ` +
  `To run a server: git clone the assetd repository, then npm install && npm start (it installs the Node ${SERVER_NODE_MAJOR} it runs on). ` +
  `The client commands (upload, assets, uploads, collections, jobs, projects) need only ASSETD_BASE_URL, ASSETD_API_KEY and ASSETD_API_SECRET.`;

/**
 * The server package, loaded only by the commands that run it (`serve`, `worker`, `keys`, `fsck`,
 * `previews`): the client commands work from an npm-installed CLI on any Node ≥ 20 with nothing of
 * the server installed. When it is missing, or this Node cannot run it, the error says what to do.
 */
export async function loadServer(command: string): Promise<ServerPackage> {
  try {
    return await import('@assetd/server');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@assetd/server')) {
      throw new ExitError(EXIT.usage, missingServer(command));
    }
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING') {
      throw new ExitError(
        EXIT.usage,
        `assetd ${command} needs Node ${SERVER_NODE_MAJOR} or later (this is Node ${process.versions.node}): start it with npm start in the assetd repository, which brings its own Node ${SERVER_NODE_MAJOR}`,
      );
    }
    throw error;
  }
}
