import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a database, that can black-hole it: `blackHole()` stops
 * forwarding on every open connection (bytes sent are never answered) and accepts new
 * connections without ever answering them, as a dead network path or a hung host would.
 * `restore()` lets the held connections flow again and forwards new ones; connections accepted
 * while black-holed never had a database behind them and are cut.
 */
export interface TcpProxy {
  readonly port: number;
  blackHole(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket | undefined;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let holes = false;
  const pairs = new Set<Pair>();
  const forget = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const server: Server = createServer((client) => {
    if (holes) {
      // Accepted, then silence.
      const pair = { client, upstream: undefined };
      pairs.add(pair);
      client.on('error', () => forget(pair));
      client.on('close', () => forget(pair));
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', () => forget(pair));
      socket.on('close', () => forget(pair));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    blackHole() {
      holes = true;
      for (const { client, upstream } of pairs) {
        if (!upstream) continue;
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      holes = false;
      for (const pair of pairs) {
        if (!pair.upstream) {
          forget(pair);
          continue;
        }
        pair.client.pipe(pair.upstream);
        pair.upstream.pipe(pair.client);
      }
    },
    async close() {
      for (const pair of pairs) forget(pair);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
