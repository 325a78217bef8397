import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config, RateLimit } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { sharedStore } from '../rate-limit-store.ts';
import type { AuthFailureLimit } from './auth.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route creates an upload or an asset: it counts against the project's upload rate. */
    uploadCreation?: boolean;
  }
}

type LimitName = 'authFailures' | 'requests' | 'uploads';

/** What a limiter call answers once past its allowance (the library's result, allowed or not). */
type Checked = Awaited<ReturnType<ReturnType<FastifyInstance['createRateLimit']>>>;

function describe(name: LimitName, limit: RateLimit): string {
  switch (name) {
    case 'authFailures':
      return `Too many failed authentications from this address (${limit.max} in ${limit.windowSeconds} s)`;
    case 'requests':
      return `This API key reached its rate limit of ${limit.max} requests a minute`;
    case 'uploads':
      return `This project reached its rate limit of ${limit.max} upload creations a minute`;
  }
}

/** A 429 naming the limit and when to retry; both error handlers turn retryAfterSeconds into Retry-After. */
function limited(name: LimitName, limit: RateLimit, checked: Checked): AppError {
  const retryAfterSeconds = Math.max(1, checked.isAllowed ? 1 : checked.ttlInSeconds);
  return new AppError('RATE_LIMITED', `${describe(name, limit)}: retry in ${retryAfterSeconds} s`, {
    limit: name,
    max: limit.max,
    windowSeconds: limit.windowSeconds,
    retryAfterSeconds,
  });
}

const over = (checked: Checked) => !checked.isAllowed && checked.isExceeded;

/** The Redis connection the counters are shared through: fails fast when down, never queues commands. */
async function connectRedis(settings: NonNullable<Config['redis']>, log: Logger): Promise<Redis> {
  // Loaded only when Redis is configured: a process without it keeps ioredis out of its heap.
  const { Redis } = await import('ioredis');
  const redis = new Redis(settings.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 500,
    // Reconnects for as long as the process lives, at most every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Reported by the store once per outage; without a listener ioredis would print every attempt.
  redis.on('error', () => {});
  redis
    .connect()
    .catch((error: unknown) => log.warn({ err: error }, 'rate limits: Redis is unreachable; counting per process until it is'));
  return redis;
}

/**
 * The rate limits (issue #16), with @fastify/rate-limit's counters (Redis when ASSETD_REDIS_URL
 * is set, shared by every process; otherwise each process's own):
 *
 * - failed authentications per client address (brute force), counted only on failures, checked
 *   before any credentials are looked at (`authFailures`, for registerAuth);
 * - requests per API key, and upload creations per project, counted after authentication
 *   (`registerAfterAuth`). Requests without a key — health, readiness, metrics, signed file and
 *   part links — are not counted: a link is a capability already, and one page of the web
 *   library loads hundreds of thumbnails at once.
 *
 * A limit of 0 is off.
 */
export async function setUpRateLimits(
  app: FastifyInstance,
  config: Config,
  log: Logger,
): Promise<{ authFailures: AuthFailureLimit | undefined; registerAfterAuth: () => void }> {
  const limits = config.rateLimits;
  const redis = config.redis ? await connectRedis(config.redis, log) : undefined;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
  await app.register(rateLimit, {
    global: false,
    ...(redis && config.redis ? { store: sharedStore(redis, `${config.redis.keyPrefix}rate-limit:`, log) } : {}),
  });

  const limiter = (limit: RateLimit, key: (request: FastifyRequest) => string) =>
    limit.max === 0 ? undefined : app.createRateLimit({ max: limit.max, timeWindow: limit.windowSeconds * 1000, keyGenerator: key });

  const failures = limiter(limits.authFailures, (request) => `auth-failures:${normalizeIP(request.ip)}`);
  const requests = limiter(limits.requests, (request) => `requests:${request.principal?.keyId}`);
  const uploads = limiter(limits.uploads, (request) => `uploads:${request.scope?.projectId}`);

  const authFailures: AuthFailureLimit | undefined = failures && {
    // Blocked addresses are refused before their credentials are checked, so a right guess
    // looks the same as a wrong one until the window passes.
    async check(request) {
      const checked = await failures(request, { increment: false });
      if (!checked.isAllowed && checked.remaining === 0) throw limited('authFailures', limits.authFailures, checked);
    },
    async recordFailure(request) {
      const checked = await failures(request);
      if (over(checked)) throw limited('authFailures', limits.authFailures, checked);
    },
  };

  return {
    authFailures,
    registerAfterAuth() {
      app.addHook('onRequest', async (request) => {
        if (!request.principal) return;
        if (requests) {
          const checked = await requests(request);
          if (over(checked)) throw limited('requests', limits.requests, checked);
        }
        if (uploads && request.scope && request.routeOptions.config.uploadCreation) {
          const checked = await uploads(request);
          if (over(checked)) throw limited('uploads', limits.uploads, checked);
        }
      });
    },
  };
}
