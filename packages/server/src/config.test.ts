import path from 'node:path';
import { MAX_WAIT_SECONDS } from '@assetd/contract/scenario';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded setup under ./data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: path.resolve('data'), maxSmallImageBytes: 6_000_000 });
    expect(config.databaseUrl).toBe(`sqlite:${path.resolve('data', 'assetd.db')}`);
    expect(config.storage).toEqual({ kind: 'local', root: path.resolve('data', 'files') });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config).toMatchObject({ maxFormUploadBytes: 512 * 1024 ** 2, token360Prefix: '/token360' });
  });

  it('serves the token360 dialect under the prefix given, or not at all when it is empty', () => {
    expect(loadConfig({ ASSETD_TOKEN360_PREFIX: '/compat/t360/' }).token360Prefix).toBe('/compat/t360');
    expect(loadConfig({ ASSETD_TOKEN360_PREFIX: '' }).token360Prefix).toBeNull();
    expect(loadConfig({ ASSETD_TOKEN360_PREFIX: '  ' }).token360Prefix).toBeNull();
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      ASSETD_DATA_DIR: '/srv/assetd',
      ASSETD_DATABASE_URL: 'postgres://u@h/db',
      ASSETD_PUBLIC_URL: 'https://a.example.com/',
      ASSETD_SIGNING_SECRET: 'x'.repeat(32),
      ASSETD_URL_TTL_SECONDS: '600',
      ASSETD_API_KEY: 'key_1',
      ASSETD_API_SECRET: 's'.repeat(16),
      ASSETD_MAX_IMAGE_BYTES: '1000',
      ASSETD_MAX_IMAGE_PIXELS: '2000',
      ASSETD_MAX_FORM_UPLOAD_BYTES: '3000',
      ASSETD_TOKEN360_PREFIX: '/t360',
      ASSETD_LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/srv/assetd',
      databaseUrl: 'postgres://u@h/db',
      publicUrl: 'https://a.example.com',
      urlTtlSeconds: 600,
      bootstrapKey: { apiKey: 'key_1', apiSecret: 's'.repeat(16) },
      maxSmallImageBytes: 1000,
      maxImagePixels: 2000,
      maxFormUploadBytes: 3000,
      token360Prefix: '/t360',
      logLevel: 'warn',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer between 0 and 65535/],
    [{ ASSETD_DATABASE_URL: 'mysql://x' }, /must start with sqlite: or postgres/],
    [{ ASSETD_API_KEY: 'key_1' }, /must be set together/],
    [{ ASSETD_API_KEY: 'k', ASSETD_API_SECRET: 'short' }, /at least 16/],
    [{ ASSETD_SIGNING_SECRET: 'short' }, /at least 32/],
    [{ ASSETD_PUBLIC_URL: 'assets.example.com' }, /http\(s\) URL/],
    [{ ASSETD_LOG_LEVEL: 'loud' }, /ASSETD_LOG_LEVEL must be one of/],
    [{ ASSETD_URL_TTL_SECONDS: '5' }, /ASSETD_URL_TTL_SECONDS/],
    [{ ASSETD_TOKEN360_PREFIX: '/' }, /ASSETD_TOKEN360_PREFIX must be a path/],
    [{ ASSETD_TOKEN360_PREFIX: 'token360' }, /ASSETD_TOKEN360_PREFIX must be a path/],
    [{ ASSETD_TOKEN360_PREFIX: '/a/../b' }, /ASSETD_TOKEN360_PREFIX must be a path/],
    [{ ASSETD_MAX_FORM_UPLOAD_BYTES: '0' }, /ASSETD_MAX_FORM_UPLOAD_BYTES/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('loadConfig for uploads, jobs, imports and scale-out', () => {
  it('has defaults a single machine can run with', () => {
    const config = loadConfig({});
    expect(config.uploads).toEqual({
      maxFileBytes: 5 * 1024 ** 4,
      partUrlTtlSeconds: 86_400,
      uploadTtlSeconds: 604_800,
      stepTimeoutSeconds: 300,
      completionLeaseSeconds: 30,
      maxPendingPerProject: 1000,
    });
    expect(config.collector).toEqual({ graceSeconds: 6 * 3600, intervalSeconds: 3600 });
    expect(config.metrics).toEqual({ port: undefined, token: undefined });
    expect(config.disk).toEqual({ reserveBytes: 16 * 1024 ** 2, minFreeBytes: 64 * 1024 ** 2 });
    expect(config.database).toEqual({ connectTimeoutMs: 5000, statementTimeoutMs: 30_000, busyTimeoutMs: 5000 });
    expect(config.jobs).toMatchObject({ run: true, concurrency: 2, downloadConcurrency: 2 });
    expect(config.imports).toMatchObject({
      allowedHosts: [],
      huggingFaceUrl: 'https://huggingface.co',
      civitaiUrl: 'https://civitai.com',
      timeoutSeconds: 3600,
      minRate: { bytesPerSecond: 32 * 1024, windowSeconds: 60 },
    });
    expect(config.fileLinks).toBe('server');
    expect(config.ffmpeg).toBeUndefined();
  });

  it('reads S3 storage, links, jobs, imports and ffmpeg', () => {
    const config = loadConfig({
      ASSETD_STORAGE: 's3',
      ASSETD_S3_BUCKET: 'my-assets',
      ASSETD_S3_ENDPOINT: 'http://127.0.0.1:9000/',
      ASSETD_S3_FORCE_PATH_STYLE: 'true',
      ASSETD_S3_PREFIX: 'assetd',
      AWS_REGION: 'eu-west-3',
      ASSETD_RUN_JOBS: 'false',
      ASSETD_JOB_CONCURRENCY: '4',
      ASSETD_DOWNLOAD_CONCURRENCY: '3',
      ASSETD_IMPORT_ALLOWED_HOSTS: 'Mirror.internal:8080, 10.0.0.5',
      ASSETD_IMPORT_MIN_BYTES_PER_SECOND: '0',
      ASSETD_IMPORT_MIN_RATE_WINDOW_SECONDS: '30',
      ASSETD_HUGGINGFACE_URL: 'http://127.0.0.1:7000/',
      ASSETD_FFMPEG_PATH: 'off',
    });
    expect(config.storage).toEqual({
      kind: 's3',
      bucket: 'my-assets',
      region: 'eu-west-3',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      prefix: 'assetd/',
      createBucket: false,
    });
    expect(config.fileLinks).toBe('presigned');
    expect(config.jobs).toMatchObject({ run: false, concurrency: 4, downloadConcurrency: 3 });
    expect(config.imports.allowedHosts).toEqual(['mirror.internal:8080', '10.0.0.5']);
    expect(config.imports.minRate).toEqual({ bytesPerSecond: 0, windowSeconds: 30 });
    expect(config.imports.huggingFaceUrl).toBe('http://127.0.0.1:7000');
    expect(config.ffmpeg).toBe(false);
    expect(loadConfig({ ASSETD_FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg' }).ffmpeg).toBe('/opt/ffmpeg/bin/ffmpeg');
    expect(
      loadConfig({
        ASSETD_DATABASE_CONNECT_TIMEOUT_MS: '2000',
        ASSETD_DATABASE_STATEMENT_TIMEOUT_MS: '10000',
        ASSETD_SQLITE_BUSY_TIMEOUT_MS: '0',
      }).database,
    ).toEqual({ connectTimeoutMs: 2000, statementTimeoutMs: 10_000, busyTimeoutMs: 0 });
    expect(loadConfig({}).corsOrigins).toBe('*');
    expect(loadConfig({ ASSETD_CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    expect(loadConfig({ ASSETD_CORS_ORIGINS: 'https://a.example.com/, http://localhost:5173' }).corsOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each([
    [{ ASSETD_STORAGE: 'ftp' }, /ASSETD_STORAGE must be local or s3/],
    [{ ASSETD_STORAGE: 's3' }, /ASSETD_S3_BUCKET must name a bucket/],
    [{ ASSETD_STORAGE: 's3', ASSETD_S3_BUCKET: 'Bad_Bucket' }, /ASSETD_S3_BUCKET/],
    [{ ASSETD_STORAGE: 's3', ASSETD_S3_BUCKET: 'ok-bucket', ASSETD_S3_ENDPOINT: 'minio:9000' }, /ASSETD_S3_ENDPOINT must be an http/],
    [{ ASSETD_STORAGE: 's3', ASSETD_S3_BUCKET: 'ok-bucket', ASSETD_S3_PREFIX: '../up' }, /ASSETD_S3_PREFIX/],
    [{ ASSETD_FILE_LINKS: 'presigned' }, /needs ASSETD_STORAGE=s3/],
    [{ ASSETD_FILE_LINKS: 'cdn' }, /ASSETD_FILE_LINKS must be server or presigned/],
    [{ ASSETD_RUN_JOBS: 'sometimes' }, /ASSETD_RUN_JOBS must be true or false/],
    [{ ASSETD_JOB_CONCURRENCY: '0' }, /ASSETD_JOB_CONCURRENCY/],
    [{ ASSETD_DOWNLOAD_CONCURRENCY: '0' }, /ASSETD_DOWNLOAD_CONCURRENCY must be an integer between 1 and 64/],
    [{ ASSETD_IMPORT_MIN_BYTES_PER_SECOND: '-1' }, /ASSETD_IMPORT_MIN_BYTES_PER_SECOND/],
    [{ ASSETD_IMPORT_MIN_BYTES_PER_SECOND: '32k' }, /ASSETD_IMPORT_MIN_BYTES_PER_SECOND/],
    [{ ASSETD_IMPORT_MIN_RATE_WINDOW_SECONDS: '0' }, /ASSETD_IMPORT_MIN_RATE_WINDOW_SECONDS must be an integer between 1 and 3600/],
    [{ ASSETD_DATABASE_CONNECT_TIMEOUT_MS: '0' }, /ASSETD_DATABASE_CONNECT_TIMEOUT_MS/],
    [{ ASSETD_DATABASE_STATEMENT_TIMEOUT_MS: 'forever' }, /ASSETD_DATABASE_STATEMENT_TIMEOUT_MS/],
    [{ ASSETD_HUGGINGFACE_URL: 'huggingface.co' }, /ASSETD_HUGGINGFACE_URL must be an http/],
    [{ ASSETD_PART_URL_TTL_SECONDS: '10' }, /ASSETD_PART_URL_TTL_SECONDS/],
    [{ ASSETD_CORS_ORIGINS: 'app.example.com' }, /ASSETD_CORS_ORIGINS must be/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('loadConfig for connections (slow clients) and shutdown', () => {
  it('has defaults that let slow links finish and long polls wait, but close stalled sockets', () => {
    expect(loadConfig({}).connections).toEqual({
      headersTimeoutSeconds: 30,
      requestTimeoutSeconds: 300,
      idleTimeoutSeconds: 75,
      maxConnections: 1000,
      minBodyBytesPerSecond: 16 * 1024,
      minBodyRateWindowSeconds: 30,
      shutdownGraceSeconds: 20,
    });
    // Held silent for up to MAX_WAIT_SECONDS, a long poll must never meet the idle timeout.
    expect(loadConfig({}).connections.idleTimeoutSeconds).toBeGreaterThan(MAX_WAIT_SECONDS);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      ASSETD_HEADERS_TIMEOUT_SECONDS: '2',
      ASSETD_REQUEST_TIMEOUT_SECONDS: '3',
      ASSETD_IDLE_TIMEOUT_SECONDS: '31',
      ASSETD_MAX_CONNECTIONS: '5',
      ASSETD_MIN_BODY_BYTES_PER_SECOND: '0',
      ASSETD_MIN_BODY_RATE_WINDOW_SECONDS: '1',
      ASSETD_SHUTDOWN_GRACE_SECONDS: '0',
    });
    expect(config.connections).toEqual({
      headersTimeoutSeconds: 2,
      requestTimeoutSeconds: 3,
      idleTimeoutSeconds: 31,
      maxConnections: 5,
      minBodyBytesPerSecond: 0,
      minBodyRateWindowSeconds: 1,
      shutdownGraceSeconds: 0,
    });
  });

  it.each([
    [{ ASSETD_HEADERS_TIMEOUT_SECONDS: '0' }, /ASSETD_HEADERS_TIMEOUT_SECONDS must be an integer between 1 and 3600/],
    [{ ASSETD_REQUEST_TIMEOUT_SECONDS: 'soon' }, /ASSETD_REQUEST_TIMEOUT_SECONDS must be an integer/],
    [{ ASSETD_HEADERS_TIMEOUT_SECONDS: '60', ASSETD_REQUEST_TIMEOUT_SECONDS: '30' }, /must be at least ASSETD_HEADERS_TIMEOUT_SECONDS/],
    [{ ASSETD_IDLE_TIMEOUT_SECONDS: String(MAX_WAIT_SECONDS) }, /ASSETD_IDLE_TIMEOUT_SECONDS must be at least 31.*long poll/],
    [{ ASSETD_IDLE_TIMEOUT_SECONDS: '1.5' }, /ASSETD_IDLE_TIMEOUT_SECONDS must be an integer/],
    [{ ASSETD_MAX_CONNECTIONS: '0' }, /ASSETD_MAX_CONNECTIONS must be an integer between 1/],
    [{ ASSETD_MIN_BODY_BYTES_PER_SECOND: '-1' }, /ASSETD_MIN_BODY_BYTES_PER_SECOND/],
    [{ ASSETD_MIN_BODY_RATE_WINDOW_SECONDS: '0' }, /ASSETD_MIN_BODY_RATE_WINDOW_SECONDS/],
    [{ ASSETD_SHUTDOWN_GRACE_SECONDS: 'later' }, /ASSETD_SHUTDOWN_GRACE_SECONDS/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
  it('reads the rate limits, Redis and the default quotas (unset quotas: unlimited; a limit of 0: off)', () => {
    const defaults = loadConfig({});
    expect(defaults.rateLimits).toEqual({
      authFailures: { max: 20, windowSeconds: 600 },
      requests: { max: 6000, windowSeconds: 60 },
      uploads: { max: 1200, windowSeconds: 60 },
    });
    expect(defaults.redis).toBeUndefined();
    expect(defaults.quotas).toEqual({ maxBytes: null, maxAssets: null });
    const set = loadConfig({
      ASSETD_RATE_LIMIT_AUTH_FAILURES: '0',
      ASSETD_RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS: '60',
      ASSETD_RATE_LIMIT_REQUESTS_PER_MINUTE: '100',
      ASSETD_RATE_LIMIT_UPLOADS_PER_MINUTE: '10',
      ASSETD_REDIS_URL: 'redis://127.0.0.1:6379',
      ASSETD_QUOTA_MAX_BYTES: '1000000',
      ASSETD_QUOTA_MAX_ASSETS: '0',
    });
    expect(set.rateLimits.authFailures).toEqual({ max: 0, windowSeconds: 60 });
    expect(set.rateLimits.requests.max).toBe(100);
    expect(set.rateLimits.uploads.max).toBe(10);
    expect(set.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'assetd:' });
    expect(set.quotas).toEqual({ maxBytes: 1_000_000, maxAssets: 0 });
  });

  it.each([
    [{ ASSETD_REDIS_URL: 'http://127.0.0.1:6379' }, /ASSETD_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ ASSETD_REDIS_URL: 'redis://127.0.0.1', ASSETD_REDIS_KEY_PREFIX: 'a b' }, /ASSETD_REDIS_KEY_PREFIX/],
    [{ ASSETD_RATE_LIMIT_REQUESTS_PER_MINUTE: 'many' }, /ASSETD_RATE_LIMIT_REQUESTS_PER_MINUTE must be an integer/],
    [{ ASSETD_QUOTA_MAX_BYTES: '-1' }, /ASSETD_QUOTA_MAX_BYTES must be an integer between 0/],
    [{ ASSETD_QUOTA_MAX_ASSETS: '1.5' }, /ASSETD_QUOTA_MAX_ASSETS must be an integer/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('loadConfig for events and webhooks', () => {
  it('defaults to a 72 h retention and the Standard Webhooks retry schedule', () => {
    const config = loadConfig({});
    expect(config.events).toEqual({ retentionHours: 72, pollMs: 2000, heartbeatSeconds: 15 });
    expect(config.webhooks).toEqual({
      allowedHosts: [],
      timeoutSeconds: 15,
      retryDelaysMs: [5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      disableAfterFailures: 10,
      disableAfterHours: 24,
      concurrency: 4,
    });
  });

  it('reads fractions of seconds in the schedule and host lists in lower case', () => {
    const config = loadConfig({
      ASSETD_WEBHOOK_RETRY_SCHEDULE: '0.05, 1,2',
      ASSETD_WEBHOOK_ALLOWED_HOSTS: 'Hooks.Internal:8080, 127.0.0.1',
    });
    expect(config.webhooks.retryDelaysMs).toEqual([50, 1000, 2000]);
    expect(config.webhooks.allowedHosts).toEqual(['hooks.internal:8080', '127.0.0.1']);
  });

  it.each([
    [{ ASSETD_WEBHOOK_RETRY_SCHEDULE: '5,soon' }, /ASSETD_WEBHOOK_RETRY_SCHEDULE must be up to 48 comma-separated waits/],
    [{ ASSETD_WEBHOOK_RETRY_SCHEDULE: '-1' }, /ASSETD_WEBHOOK_RETRY_SCHEDULE/],
    [{ ASSETD_EVENT_RETENTION_HOURS: '0' }, /ASSETD_EVENT_RETENTION_HOURS must be an integer between 1/],
    [{ ASSETD_WEBHOOK_TIMEOUT_SECONDS: '0' }, /ASSETD_WEBHOOK_TIMEOUT_SECONDS/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
