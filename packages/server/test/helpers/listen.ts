import type { AddressInfo } from 'node:net';
import type { TestServer } from './http.ts';

/** Listens on a free loopback port, for clients that need a real socket (examples, streaming); once per server. */
export async function listen(server: TestServer): Promise<string> {
  // Asked again (another describe block of the same file): the same socket.
  if (!server.app.server.listening) await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
