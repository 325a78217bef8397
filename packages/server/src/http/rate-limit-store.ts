import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

type Counted = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Counted) => void;

/** The library's own stores: its Redis one (an atomic Lua INCR + PEXPIRE) and its in-process LRU. */
interface LibraryStore {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void;
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
}

// Not in the package's index: loaded by path, the files the plugin itself uses (a test runs both).
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key: string,
) => LibraryStore;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => LibraryStore;

/**
 * Counters shared by every process through Redis. When Redis fails (down, unreachable, too slow
 * for ioredis's command timeout), each call is counted by this process's own store instead, and
 * back in Redis once it answers: every limit keeps holding, per process, rather than turning
 * off (fail-open would leave password guessing unbounded for the outage) or refusing everyone
 * (fail-closed would make a Redis outage an API outage). One warning per outage.
 */
export function sharedStore(redis: Redis, prefix: string, log: Logger): FastifyRateLimitStoreCtor {
  let degraded = false;
  const failed = (error: Error) => {
    if (!degraded) log.warn({ err: error }, 'rate limits: Redis failed; counting in this process until it answers again');
    degraded = true;
  };
  const answered = () => {
    if (degraded) log.info('rate limits: Redis answers again; counters are shared again');
    degraded = false;
  };

  class SharedStore implements FastifyRateLimitStore {
    readonly #shared = new RedisStore(false, false, redis, prefix);
    readonly #local = new LocalStore(false, false, 10_000);

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.#call('incr', key, callback, timeWindow, max);
    }

    read(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.#call('read', key, callback, timeWindow, max);
    }

    /** Limiters tell their counters apart by their keys (http/plugins/rate-limits.ts), so children share the prefix. */
    child(): FastifyRateLimitStore {
      return new SharedStore();
    }

    #call(method: 'incr' | 'read', key: string, callback: Callback, timeWindow: number, max: number): void {
      this.#shared[method](
        key,
        (error, result) => {
          if (!error) {
            answered();
            return callback(null, result);
          }
          failed(error);
          this.#local[method](key, callback, timeWindow, max);
        },
        timeWindow,
        max,
      );
    }
  }
  return SharedStore;
}
