import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The baseline of the upload benchmark: a bare Node http server writing each PUT to disk in
 * place at its offset with 1 MiB buffers — and nothing else (no routing, auth, signatures or
 * bookkeeping): the ceiling a part endpoint can approach. BARE_HASH (md5, sha256) also hashes
 * each body on the fly and answers the digest as the ETag: the "raw PUT that hashes" baseline.
 */
const dir = process.env.BARE_DIR as string;
const port = Number(process.env.BARE_PORT);
const algorithm = process.env.BARE_HASH || undefined;

const server = createServer(async (request, response) => {
  try {
    const url = new URL(request.url ?? '/', 'http://x');
    if (request.method === 'GET') return response.end('ok');
    const file = path.join(dir, url.searchParams.get('file') ?? 'data');
    const size = Number(url.searchParams.get('size'));
    const offset = Number(url.searchParams.get('offset') ?? 0);
    if (url.searchParams.get('create')) {
      const handle = await open(file, 'w');
      await handle.truncate(size);
      await handle.close();
      return response.end();
    }
    const target = createWriteStream(file, { flags: 'r+', start: offset, highWaterMark: 1024 * 1024 });
    if (algorithm) {
      const hash = createHash(algorithm);
      const hasher = new Transform({
        transform(chunk, _encoding, callback) {
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      await pipeline(request, hasher, target);
      response.setHeader('etag', `"${hash.digest('hex')}"`);
    } else {
      await pipeline(request, target);
    }
    response.end();
  } catch (error) {
    response.statusCode = 500;
    response.end(String(error));
  }
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
