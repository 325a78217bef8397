import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DATABASES, type DatabaseTarget } from '../../server/test/helpers/databases.ts';
import { startTestServer, type TestServer } from '../../server/test/helpers/http.ts';
import { listen } from '../../server/test/helpers/listen.ts';
import { AssetdClient, type ClientOptions, type Fetch } from '../src/index.ts';

export { DATABASES, type DatabaseTarget };

/** A real server on a loopback port, with jobs running, and a client for its first key. */
export interface LiveServer {
  readonly server: TestServer;
  readonly baseURL: string;
  client(options?: ClientOptions): AssetdClient;
  dispose(): Promise<void>;
}

export async function startLiveServer(target: DatabaseTarget): Promise<LiveServer> {
  const server = await startTestServer(target, {}, { jobs: true });
  const baseURL = await listen(server);
  return {
    server,
    baseURL,
    client: (options = {}) => new AssetdClient({ baseURL, apiKey: server.key.id, apiSecret: server.key.secret, ...options }),
    dispose: () => server.dispose(),
  };
}

export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
}

/**
 * A fetch that records every request and lets a test decide, per request, to fail it
 * (throwing is a network error; a Response is answered instead of the server's).
 */
export function recordingFetch(intercept?: (request: SeenRequest, index: number) => Response | Error | undefined) {
  const seen: SeenRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchImpl: Fetch = async (input, init) => {
    const request = { method: init?.method ?? 'GET', url: new URL(String(input)) };
    const index = seen.push(request) - 1;
    const outcome = intercept?.(request, index);
    if (outcome instanceof Error) throw outcome;
    if (outcome) return outcome;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await fetch(input, init);
    } finally {
      inFlight--;
    }
  };
  return {
    fetch: fetchImpl,
    seen,
    get maxInFlight() {
      return maxInFlight;
    },
    /** The part PUTs, as part numbers in the order they were made. */
    partPuts: () => seen.filter((r) => r.method === 'PUT').map((r) => Number(r.url.pathname.split('/').at(-1))),
  };
}

/** The part number a part URL is for (this server's local part URLs end in /parts/{n}). */
export const partNumberOf = (request: SeenRequest) =>
  request.method === 'PUT' && request.url.pathname.includes('/parts/') ? Number(request.url.pathname.split('/').at(-1)) : undefined;

/** A temporary folder with the given files written into it. */
export async function tempFiles(files: Record<string, Uint8Array>): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-sdk-test-'));
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
