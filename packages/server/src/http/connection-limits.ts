import type { Server, ServerOptions } from 'node:http';
import type { Config } from '../config.ts';

/**
 * Node's own limits on a server's connections, set the same way on the API's server and the
 * part receiver's, so that a client that stops sending cannot keep a socket (and its file
 * descriptor) for ever:
 *
 * - the headers must arrive within `headersTimeoutSeconds` (answered 408, then closed);
 * - a connection on which nothing moves either way for `idleTimeoutSeconds` is closed, also
 *   between requests (keep-alive) and while a slow reader leaves a response unread;
 * - no more than `maxConnections` at once: the next ones are closed as they arrive.
 *
 * Node's `requestTimeout` stays off: it is one wall clock for every request of a server, and a
 * part of several GiB on a slow link must not meet it. Bodies are held to a minimum rate per
 * request instead (`body-rate.ts`), which also applies the request timeout to all but streamed
 * uploads.
 */
export function serverOptions(limits: Config['connections']): ServerOptions {
  const headersTimeout = limits.headersTimeoutSeconds * 1000;
  return {
    headersTimeout,
    requestTimeout: 0,
    keepAliveTimeout: limits.idleTimeoutSeconds * 1000,
    // How often Node checks the headers deadline: every 30 s by default, which would double a
    // short limit. Only an option: it is read when the server is made.
    connectionsCheckingInterval: Math.min(5000, Math.max(100, Math.floor(headersTimeout / 4))),
  };
}

/** Sets the limits on a server made with `serverOptions` (again, for a framework that sets its own). */
export function limitConnections(server: Server, limits: Config['connections']): void {
  const options = serverOptions(limits);
  server.headersTimeout = options.headersTimeout as number;
  server.requestTimeout = options.requestTimeout as number;
  server.keepAliveTimeout = options.keepAliveTimeout as number;
  server.setTimeout(limits.idleTimeoutSeconds * 1000);
  server.maxConnections = limits.maxConnections;
}
