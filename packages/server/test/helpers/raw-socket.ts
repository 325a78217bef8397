import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A raw loopback client, for requests no HTTP client would send: half a body, then nothing. */
export interface RawClient {
  readonly socket: Socket;
  /** Settles when the server closes the socket: what it answered, and how long after the head was sent. */
  readonly closed: Promise<{ readonly reply: string; readonly atMs: number }>;
}

const open: Socket[] = [];

/** Connects to 127.0.0.1:`port` and sends `head` (the request line and headers, or part of them). */
export async function rawRequest(port: number, head: string | Buffer): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  open.push(socket);
  // A socket closed while this client still sends is reset (ECONNRESET) rather than ended: either way it closes.
  socket.on('error', () => {});
  await once(socket, 'connect');
  const started = Date.now();
  let reply = '';
  socket.on('data', (chunk: Buffer) => {
    reply += chunk.toString('latin1');
  });
  const closed = new Promise<{ reply: string; atMs: number }>((resolve) => {
    socket.once('close', () => resolve({ reply, atMs: Date.now() - started }));
  });
  socket.write(head);
  return { socket, closed };
}

/** Destroys every raw socket still open (afterEach). */
export function closeRawSockets(): void {
  for (const socket of open.splice(0)) socket.destroy();
}

/** Writes `bytes` in 8 KiB pieces every `everyMs` until done or the socket is gone. */
export async function trickle(socket: Socket, bytes: number, everyMs: number): Promise<void> {
  const piece = 8 * 1024;
  for (let sent = 0; sent < bytes && !socket.destroyed; sent += piece) {
    socket.write(Buffer.alloc(Math.min(piece, bytes - sent), 0x20));
    await sleep(everyMs);
  }
}

/** Resolves `closed`, or fails the test when the server kept the socket open past `limitMs`. */
export async function closedWithin(client: RawClient, limitMs: number): Promise<{ reply: string; atMs: number }> {
  const outcome = await Promise.race([client.closed, sleep(limitMs).then(() => undefined)]);
  if (!outcome) throw new Error(`the server kept the socket open for more than ${limitMs} ms`);
  return outcome;
}
