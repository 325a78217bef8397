import { createServer } from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

/**
 * A peer of the upload benchmark: @tus/server with @tus/file-store, as its docs set it up,
 * on loopback. `GET /` answers readiness; everything else is the tus endpoint at /files.
 */
const directory = process.env.TUS_DIR as string;
const port = Number(process.env.TUS_PORT);

const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/') return void response.end('ok');
  void tus.handle(request, response);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
