import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Config } from '../config.ts';
import { checkIntervalMs, type MinRate, RateWatch } from '../uploads/import/min-rate.ts';

export interface BodyRules {
  /** The slowest a body may arrive (the same sliding-window rule imports are held to). */
  readonly minRate: MinRate;
  /** How long a request with a deadline (all but streamed uploads) may take to arrive whole. */
  readonly requestTimeoutMs: number;
}

/** Why a request was cut off, for the log. */
export interface BodyRejection {
  readonly reason: 'too-slow' | 'request-timeout';
  readonly message: string;
}

interface Watched {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Epoch ms by which the request must have arrived whole; Infinity for a streamed upload. */
  readonly deadline: number;
  rate: RateWatch;
  /** The socket's bytes read at the last check. */
  read: number;
}

/** What Node itself answers to a request that timed out, before it closes the socket. */
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * Cuts off request bodies that stop or crawl. A part of several GiB may take an hour on a slow
 * link, so a wall clock cannot tell it from a stalled one; its rate can: every body is held to
 * a minimum rate over a sliding window (`RateWatch`, as downloads are), counted in bytes read
 * from its socket, or its socket is closed. Requests that are not streamed uploads must also
 * arrive whole within `requestTimeoutMs`. Closing the socket is what frees everything the
 * request held: its stream fails, and whoever was writing it to disk removes what was written.
 *
 * A body that does not move because this server is not reading it (the handler waits on the
 * database, the disk is slow: bytes wait in the stream's buffer, or the socket is paused) is
 * not the client's fault: its window starts again.
 */
export class BodyRateGuard {
  readonly #rules: BodyRules;
  readonly #onReject: (request: IncomingMessage, rejection: BodyRejection) => void;
  readonly #watched = new Set<Watched>();
  #timer: NodeJS.Timeout | undefined;

  constructor(rules: BodyRules, onReject: (request: IncomingMessage, rejection: BodyRejection) => void) {
    this.#rules = rules;
    this.#onReject = onReject;
  }

  /** Watches a request's body until it has arrived; `deadline: false` for streamed uploads. */
  watch(request: IncomingMessage, response: ServerResponse, options: { readonly deadline: boolean }): void {
    // Injected requests (tests, light-my-request) have no socket to measure or close.
    if (request.complete || !(request.socket instanceof Socket) || request.socket.destroyed) return;
    const now = Date.now();
    this.#watched.add({
      request,
      response,
      deadline: options.deadline ? now + this.#rules.requestTimeoutMs : Number.POSITIVE_INFINITY,
      rate: new RateWatch(this.#rules.minRate, now),
      read: request.socket.bytesRead,
    });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), checkIntervalMs(this.#rules.minRate));
      // Never what keeps a process alive.
      this.#timer.unref();
    }
  }

  /** Stops watching (the server closed). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#watched.clear();
  }

  #tick(): void {
    const now = Date.now();
    for (const watched of this.#watched) this.#check(watched, now);
    if (this.#watched.size === 0) this.stop();
  }

  #check(watched: Watched, now: number): void {
    const { request } = watched;
    const socket = request.socket;
    if (request.complete || socket.destroyed) {
      this.#watched.delete(watched);
      return;
    }
    if (now >= watched.deadline) {
      const seconds = Math.round(this.#rules.requestTimeoutMs / 1000);
      this.#reject(watched, { reason: 'request-timeout', message: `the request did not arrive whole within ${seconds} s` });
      return;
    }
    const read = socket.bytesRead;
    if (request.readableLength > 0 || socket.isPaused()) {
      // Bytes are waiting for this server to read them: the client is not the slow side.
      watched.rate = new RateWatch(this.#rules.minRate, now);
      watched.read = read;
      return;
    }
    watched.rate.add(read - watched.read);
    watched.read = read;
    const slow = watched.rate.check(now);
    if (!slow) return;
    const rate = Math.round(slow.bytesPerSecond);
    this.#reject(watched, {
      reason: 'too-slow',
      message: `the body moved ${slow.bytes} bytes in ${(slow.spanMs / 1000).toFixed(1)} s (${rate} B/s), under the minimum of ${this.#rules.minRate.bytesPerSecond} B/s`,
    });
  }

  #reject(watched: Watched, rejection: BodyRejection): void {
    this.#watched.delete(watched);
    const { request, response } = watched;
    this.#onReject(request, rejection);
    const socket = request.socket;
    // As Node does when its own request timeout strikes: a 408 if nothing was answered yet, then
    // the socket goes (with the request's stream, and whatever was being written from it).
    if (!response.headersSent && socket.writable) socket.write(REQUEST_TIMEOUT);
    socket.destroy();
  }
}

/** The rules of a deployment's connection settings. */
export const bodyRules = (limits: Config['connections']): BodyRules => ({
  minRate: { bytesPerSecond: limits.minBodyBytesPerSecond, windowMs: limits.minBodyRateWindowSeconds * 1000 },
  requestTimeoutMs: limits.requestTimeoutSeconds * 1000,
});
