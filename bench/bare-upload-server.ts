import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The baseline of the upload benchmark: a bare Node http server doing the same I/O as assetd's
 * part endpoint — each PUT streamed to disk in place at its offset with 1 MiB buffers and an
 * MD5 computed on the fly — and nothing else (no routing, auth, signatures or bookkeeping).
 */
const dir = process.env.BARE_DIR as string;
const port = Number(process.env.BARE_PORT);

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
    const md5 = createHash('md5');
    const hasher = new Transform({
      transform(chunk, _encoding, callback) {
        md5.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(request, hasher, createWriteStream(file, { flags: 'r+', start: offset, highWaterMark: 1024 * 1024 }));
    response.setHeader('etag', `"${md5.digest('hex')}"`);
    response.end();
  } catch (error) {
    response.statusCode = 500;
    response.end(String(error));
  }
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
