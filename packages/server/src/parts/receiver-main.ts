import { createServer } from 'node:http';
import path from 'node:path';
import { UrlSigner } from '../auth/url-signer.ts';
import { loadConfig } from '../config.ts';
import { keepFilesPrivate } from '../lib/private-files.ts';
import { LocalMultipart } from '../storage/local/local-multipart.ts';
import { createPartReceiver } from './part-receiver.ts';

/**
 * The part-receiver process, started by `serve` when ASSETD_PARTS_PORT is set. It imports
 * nothing but what a part needs; the signing secret arrives over IPC, never in its environment.
 */
keepFilesPrivate();
const config = loadConfig(process.env);
if (config.storage.kind !== 'local' || !config.parts.port) throw new Error('the part receiver needs local storage and ASSETD_PARTS_PORT');
const { root } = config.storage;
const port = config.parts.port;

process.once('message', (message: { secret?: string }) => {
  if (!message.secret) throw new Error('the part receiver got no signing secret');
  const receiver = createPartReceiver(new LocalMultipart(path.join(root, 'multipart')), new UrlSigner(message.secret), (error) => {
    process.stderr.write(`assetd part receiver: ${error instanceof Error ? error.stack : String(error)}\n`);
  });
  const server = createServer((request, response) => void receiver(request, response));
  server.listen(port, config.host, () => process.send?.({ listening: port }));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  // The parent is gone (it crashed or was killed): do not linger as an orphan.
  process.once('disconnect', () => server.close(() => process.exit(0)));
});
