import path from 'node:path';
import { UrlSigner } from '../auth/url-signer.ts';
import { loadConfig } from '../config.ts';
import { settleHeap } from '../lib/heap-pacing.ts';
import { keepFilesPrivate } from '../lib/private-files.ts';
import { LocalMultipart } from '../storage/local/local-multipart.ts';
import { createPartServer } from './part-receiver.ts';

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
  const intake = new LocalMultipart(path.join(root, 'multipart'));
  const server = createPartServer(intake, new UrlSigner(message.secret), config.connections, (text) => {
    process.stderr.write(`assetd part receiver: ${text}\n`);
  });
  server.listen(port, config.host, () => {
    // What loading left in the heap goes back before parts come.
    settleHeap();
    process.send?.({ listening: port });
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Parts in flight get the grace period, then their connections are closed (clients retry a part).
    setTimeout(() => server.closeAllConnections(), config.connections.shutdownGraceSeconds * 1000).unref();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  // The parent is gone (it crashed or was killed): do not linger as an orphan.
  process.once('disconnect', stop);
});
