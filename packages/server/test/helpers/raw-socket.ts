import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A raw loopback client, for requests no HTTP client would send: half a body, then nothing. */
export interface RawClient {
  readonly socket: Socket;
  /** Settles when the server closes the socket, with what it answered. */
  readonly closed: Promise<{ readonly reply: string }>;
  /** Whether the socket is still open now (no 'close' yet). */
  isOpen(): boolean;
}

const sockets: Socket[] = [];

/** Connects to 127.0.0.1:`port` and sends `head` (the request line and headers, or part of them). */
export async function rawRequest(port: number, head: string | Buffer): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  // A socket closed while this client still sends is reset (ECONNRESET) rather than ended: either way it closes.
  socket.on('error', () => {});
  await once(socket, 'connect');
  let reply = '';
  let open = true;
  socket.on('data', (chunk: Buffer) => {
    reply += chunk.toString('latin1');
  });
  const closed = new Promise<{ reply: string }>((resolve) => {
    socket.once('close', () => {
      open = false;
      resolve({ reply });
    });
  });
  socket.write(head);
  return { socket, closed, isOpen: () => open };
}

/** Destroys every raw socket still open (afterEach). */
export function closeRawSockets(): void {
  for (const socket of sockets.splice(0)) socket.destroy();
}

/**
 * Writes `bytes` in 8 KiB pieces every `everyMs` until done, the socket is gone, or `until()`
 * holds; returns how many bytes it wrote.
 */
export async function trickle(socket: Socket, bytes: number, everyMs: number, until: () => boolean = () => false): Promise<number> {
  const piece = 8 * 1024;
  let sent = 0;
  while (sent < bytes && !socket.destroyed && !until()) {
    const size = Math.min(piece, bytes - sent);
    socket.write(Buffer.alloc(size, 0x20));
    sent += size;
    await sleep(everyMs);
  }
  return sent;
}
