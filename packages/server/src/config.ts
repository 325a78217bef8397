import path from 'node:path';

/** Where file bytes live: the local disk (embedded), or an S3 bucket (scale-out). */
export type StorageConfig =
  | { readonly kind: 'local'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly region: string;
      /** Another S3 API than AWS's (MinIO, R2, moto); undefined for AWS. */
      readonly endpoint: string | undefined;
      /** `endpoint/bucket/key` rather than `bucket.endpoint/key` (MinIO, moto). */
      readonly forcePathStyle: boolean;
      /** Put before every key, so one bucket can hold several deployments: `assetd/`. */
      readonly prefix: string;
      /** Create the bucket at start when it is missing (tests); otherwise it must exist. */
      readonly createBucket: boolean;
    };

/** Bounds on waiting for the database, so an unreachable or stuck one fails requests fast instead of hanging them. */
export interface DatabaseLimits {
  /** PostgreSQL: the longest wait for a connection, a new one or one from the pool. */
  readonly connectTimeoutMs: number;
  /** PostgreSQL: the longest one statement may run (server side; the client gives up shortly after). */
  readonly statementTimeoutMs: number;
  /** SQLite: the longest a write waits for another writer's lock (node:sqlite waits synchronously). */
  readonly busyTimeoutMs: number;
}

/** Everything the server reads from its environment, parsed and validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `sqlite:<file>` for the embedded default, or a `postgres://` URL. */
  readonly databaseUrl: string;
  /** How long the database may take before a request gives up on it (and answers 503). */
  readonly database: DatabaseLimits;
  readonly storage: StorageConfig;
  /**
   * How file URLs are made: `server` links through this server (`/files/<id>`), `presigned`
   * links straight to the storage backend (S3 presigned GETs).
   */
  readonly fileLinks: 'server' | 'presigned';
  /** Base URL clients reach this server at; signed file links are built on it. */
  readonly publicUrl: string | undefined;
  /**
   * Prometheus metrics: on their own port (`port`, for the operator's network only), or at
   * /metrics on the API port behind a bearer `token`; off when neither is set.
   */
  readonly metrics: { readonly port: number | undefined; readonly token: string | undefined };
  /** The data folder's disk: the reserve kept for deletes on a full disk, and the low-space mark of /readyz. */
  readonly disk: { readonly reserveBytes: number; readonly minFreeBytes: number };
  /**
   * Without publicUrl, the Host names (`host` or `host:port`) links may be built on besides
   * this machine's own; any other Host gets links on the listening address.
   */
  readonly allowedHosts: readonly string[];
  /** Secret for signed URLs; every process of a deployment must share it. */
  readonly signingSecret: string | undefined;
  readonly urlTtlSeconds: number;
  readonly bootstrapKey: { readonly apiKey: string; readonly apiSecret: string } | undefined;
  /** Images of this many bytes or more must go through /v1/uploads. */
  readonly maxSmallImageBytes: number;
  /** Images with more pixels are refused rather than decoded (decompression bombs). */
  readonly maxImagePixels: number;
  /** The ffmpeg that makes video frames: a path, false for none, undefined to look on the PATH. */
  readonly ffmpeg: string | false | undefined;
  /** The largest file one multipart/form-data upload may carry (the token360 dialect's POST /v1/assets). */
  readonly maxFormUploadBytes: number;
  /** Where the token360 dialect is served (`/token360`), or null when it is turned off. */
  readonly token360Prefix: string | null;
  /** The built web library (packages/web/dist) served at `/`, or null when it is turned off. */
  readonly webDir: string | null;
  readonly logLevel: string;
  /**
   * Origins whose pages may call the API from a browser: '*' (any: credentials are headers,
   * never cookies, so no origin can borrow a user's session), a list, or none at all.
   */
  readonly corsOrigins: '*' | readonly string[];
  /**
   * The part receiver: with a port, `serve` runs a small process of its own that takes part PUTs
   * on the local backend (no framework, no media libraries: a small heap, so less GC work per
   * byte); part URLs point at `url`, or at the request's host on that port.
   */
  readonly parts: { readonly port: number | undefined; readonly url: string | undefined };
  /**
   * What a client may hold without doing its part, on the API and the part receiver alike, so
   * that stalled or trickling sockets cannot use up file descriptors.
   */
  readonly connections: {
    /** The request line and headers must arrive within this. */
    readonly headersTimeoutSeconds: number;
    /**
     * A request must arrive whole (headers and body) within this, except streamed uploads (part
     * PUTs, form uploads): those may take as long as they keep up the minimum body rate.
     */
    readonly requestTimeoutSeconds: number;
    /**
     * A connection on which no byte moves either way for this long is closed, mid-request or
     * between requests; above the longest long poll (30 s), which is silent while it waits.
     */
    readonly idleTimeoutSeconds: number;
    /** Connections open at once, per process; more are refused. */
    readonly maxConnections: number;
    /**
     * A request body must move at least this many bytes a second on average over any window of
     * `minBodyRateWindowSeconds` (0: at least one byte a window), as import downloads must.
     */
    readonly minBodyBytesPerSecond: number;
    readonly minBodyRateWindowSeconds: number;
    /** On SIGTERM, requests in flight get this long to finish; then their connections are closed. */
    readonly shutdownGraceSeconds: number;
  };
  readonly uploads: {
    /** The largest file a multipart upload may declare (spec: 5 TB). */
    readonly maxFileBytes: number;
    readonly partUrlTtlSeconds: number;
    /** A pending upload not completed by then is swept and its bytes deleted. */
    readonly uploadTtlSeconds: number;
    /** A validation step running longer fails the upload. */
    readonly stepTimeoutSeconds: number;
    /**
     * How long a request's hold on an upload's completion lasts unless renewed; after a crash,
     * another request or the sweeper takes the completion over once it has run out.
     */
    readonly completionLeaseSeconds: number;
    /** Uploads of one project that may be unfinished (pending, downloading, completing) at once. */
    readonly maxPendingPerProject: number;
  };
  readonly collector: {
    /** Unreferenced bytes younger than this are never collected (they may be a write in progress). */
    readonly graceSeconds: number;
    /** How often each process that runs jobs sweeps. */
    readonly intervalSeconds: number;
  };
  readonly imports: {
    readonly maxBytes: number;
    /** The deadline of one whole download. */
    readonly timeoutSeconds: number;
    /**
     * The slowest a download may be: fewer than `bytesPerSecond` × `windowSeconds` bytes in the
     * last `windowSeconds` (none at all, with 0) and it is cut off, so a slow source frees its slot.
     */
    readonly minRate: { readonly bytesPerSecond: number; readonly windowSeconds: number };
    /** host or host:port entries that may be fetched even though they resolve to private addresses. */
    readonly allowedHosts: readonly string[];
    readonly huggingFaceUrl: string;
    readonly huggingFaceToken: string | undefined;
    readonly civitaiUrl: string;
    readonly civitaiToken: string | undefined;
  };
  /** The rate limits (http/plugins/rate-limits.ts); counted in Redis when `redis` is set, else per process. */
  readonly rateLimits: {
    /** Failed authentications (invalid credentials) per client address; past it the address gets 429s. */
    readonly authFailures: RateLimit;
    /** Requests per API key. */
    readonly requests: RateLimit;
    /** Upload creations per project (POST /v1/uploads, POST /v1/assets, the token360 upload). */
    readonly uploads: RateLimit;
  };
  /** Where processes share rate-limit counters (scale-out); undefined: each process counts alone. */
  readonly redis: { readonly url: string; readonly keyPrefix: string } | undefined;
  /** Default per-project quotas; null is unlimited. A project's own (assetd projects set-quota) wins. */
  readonly quotas: { readonly maxBytes: number | null; readonly maxAssets: number | null };
  readonly jobs: {
    /** Whether this process runs jobs (embedded default) or leaves them to `assetd worker`. */
    readonly run: boolean;
    /** Jobs run at once by one process, downloads aside (validation, description, the asset). */
    readonly concurrency: number;
    /** Import downloads run at once by one process, in slots of their own. */
    readonly downloadConcurrency: number;
    /** How long a claimed job stays a worker's without renewal; a dead worker's job is retaken after it. */
    readonly leaseSeconds: number;
    /** For tests only: every job waits this long before it runs, so a test can act mid-job. */
    readonly testDelayMs: number;
  };
  /** The event log (events/) and its live stream, GET /v1/events. */
  readonly events: {
    /** Events older than this are pruned; a stream cannot resume from before it. */
    readonly retentionHours: number;
    /** The longest a stream waits before reading the table again when nothing woke it. */
    readonly pollMs: number;
    /** A comment line this often on a quiet stream, so proxies keep the connection. */
    readonly heartbeatSeconds: number;
  };
  readonly webhooks: {
    /** host or host:port entries webhooks may be sent to although they are private addresses. */
    readonly allowedHosts: readonly string[];
    /** The deadline of one delivery attempt. */
    readonly timeoutSeconds: number;
    /** The waits before each retry of a failed delivery, in milliseconds. */
    readonly retryDelaysMs: readonly number[];
    /** An endpoint is disabled after this many failed attempts in a row… */
    readonly disableAfterFailures: number;
    /** …when they span at least this many hours. */
    readonly disableAfterHours: number;
    /** Delivery attempts one process makes at once, in slots of their own. */
    readonly concurrency: number;
  };
}

/** A limit of `max` events per `windowSeconds`; a max of 0 turns it off. */
export interface RateLimit {
  readonly max: number;
  readonly windowSeconds: number;
}

export class ConfigError extends Error {}

/** The Standard Webhooks (Svix) schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27.5 h in all). */
const WEBHOOK_RETRY_SCHEDULE = '5,300,1800,7200,18000,36000,36000';

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function hostList(env: Env, name: string): readonly string[] {
  return Object.freeze(
    (text(env, name) ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Comma-separated seconds (fractions allowed), as milliseconds. */
function delays(env: Env, name: string, fallback: string): readonly number[] {
  const raw = text(env, name) ?? fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length > 48 || values.some((value) => !Number.isFinite(value) || value < 0 || value > 7 * 24 * 3600)) {
    throw new ConfigError(`${name} must be up to 48 comma-separated waits in seconds (0 to 604800), such as ${fallback}; got "${raw}"`);
  }
  return Object.freeze(values.map((value) => Math.round(value * 1000)));
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function baseUrl(env: Env, name: string, fallback: string): string {
  const value = text(env, name) ?? fallback;
  if (!/^https?:\/\/[^/]+/.test(value)) throw new ConfigError(`${name} must be an http(s) URL`);
  return value.replace(/\/+$/, '');
}

function corsOrigins(value: string | undefined): '*' | readonly string[] {
  if (value === undefined || value === '*') return '*';
  if (value.toLowerCase() === 'none') return Object.freeze([]);
  const origins = value
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  const bad = origins.find((origin) => !/^https?:\/\/[^/\s]+$/.test(origin));
  if (bad) throw new ConfigError(`ASSETD_CORS_ORIGINS must be *, none, or origins such as https://app.example.com; got "${bad}"`);
  return Object.freeze(origins);
}

/** The web library's built files: the folder named, none for `off`, else the web package's build beside this one. */
function webDir(value: string | undefined): string | null {
  if (value === 'off') return null;
  return path.resolve(value ?? path.join(import.meta.dirname, '..', '..', 'web', 'dist'));
}

function metricsToken(value: string | undefined): string | undefined {
  if (value !== undefined && value.length < 16) throw new ConfigError('ASSETD_METRICS_TOKEN must be at least 16 characters');
  return value;
}

function ffmpegSetting(value: string | undefined): string | false | undefined {
  if (value === undefined) return undefined;
  return ['off', 'false', 'none', '0'].includes(value.toLowerCase()) ? false : value;
}

function text(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** One or more path segments of URL-safe characters, no trailing slash: `/token360`, `/compat/t360`. */
const PREFIX = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;

/** Unset: the default; set but empty: the dialect is off; otherwise a path prefix. */
function routePrefix(env: Env, name: string, fallback: string): string | null {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return null;
  const value = raw.trim().replace(/\/+$/, '');
  // "/" would put the dialect's /v1/assets on top of the scenario dialect's.
  if (!PREFIX.test(value)) {
    throw new ConfigError(`${name} must be a path such as /token360 (or empty to turn the dialect off), got "${raw}"`);
  }
  return value;
}

/** A bucket name as S3 allows it: 3–63 lowercase letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix made of the characters storage keys use, ending in a slash. */
const KEY_PREFIX = /^([A-Za-z0-9][A-Za-z0-9._-]*\/)+$/;

function storageConfig(env: Env, dataDir: string): StorageConfig {
  const kind = text(env, 'ASSETD_STORAGE') ?? 'local';
  if (kind === 'local') return Object.freeze({ kind, root: path.join(dataDir, 'files') });
  if (kind !== 's3') throw new ConfigError(`ASSETD_STORAGE must be local or s3, got "${kind}"`);
  const bucket = text(env, 'ASSETD_S3_BUCKET');
  if (!bucket || !BUCKET.test(bucket))
    throw new ConfigError('ASSETD_S3_BUCKET must name a bucket (3–63 lowercase letters, digits, dots, hyphens)');
  const endpoint = text(env, 'ASSETD_S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new ConfigError('ASSETD_S3_ENDPOINT must be an http(s) URL such as https://<account>.r2.cloudflarestorage.com');
  }
  const rawPrefix = text(env, 'ASSETD_S3_PREFIX') ?? '';
  const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  if (prefix !== '' && !KEY_PREFIX.test(prefix))
    throw new ConfigError('ASSETD_S3_PREFIX must be path segments of letters, digits, . _ - such as assetd/');
  return Object.freeze({
    kind,
    bucket,
    // The SDK's own variables are the usual place for the region; us-east-1 is S3's default.
    region: text(env, 'ASSETD_S3_REGION') ?? text(env, 'AWS_REGION') ?? text(env, 'AWS_DEFAULT_REGION') ?? 'us-east-1',
    endpoint: endpoint?.replace(/\/+$/, ''),
    forcePathStyle: flag(env, 'ASSETD_S3_FORCE_PATH_STYLE', false),
    prefix,
    createBucket: flag(env, 'ASSETD_S3_CREATE_BUCKET', false),
  });
}

function fileLinks(env: Env, storage: StorageConfig): 'server' | 'presigned' {
  const value = text(env, 'ASSETD_FILE_LINKS') ?? (storage.kind === 's3' ? 'presigned' : 'server');
  if (value !== 'server' && value !== 'presigned') throw new ConfigError(`ASSETD_FILE_LINKS must be server or presigned, got "${value}"`);
  if (value === 'presigned' && storage.kind !== 's3') throw new ConfigError('ASSETD_FILE_LINKS=presigned needs ASSETD_STORAGE=s3');
  return value;
}

/**
 * The idle timeout must exceed the longest long poll (`waitSeconds` is capped at 30 s: see
 * MAX_WAIT_SECONDS in http/scenario/uploads.ts), during which a connection is silent.
 */
const MIN_IDLE_TIMEOUT_SECONDS = 31;

function connections(env: Env): Config['connections'] {
  const headersTimeoutSeconds = integer(env, 'ASSETD_HEADERS_TIMEOUT_SECONDS', 30, 1, 3600);
  const requestTimeoutSeconds = integer(env, 'ASSETD_REQUEST_TIMEOUT_SECONDS', 300, 1, 24 * 3600);
  if (requestTimeoutSeconds < headersTimeoutSeconds) {
    throw new ConfigError(
      `ASSETD_REQUEST_TIMEOUT_SECONDS (${requestTimeoutSeconds}) must be at least ASSETD_HEADERS_TIMEOUT_SECONDS (${headersTimeoutSeconds}): the headers are part of the request`,
    );
  }
  const idleTimeoutSeconds = integer(env, 'ASSETD_IDLE_TIMEOUT_SECONDS', 75, 1, 24 * 3600);
  if (idleTimeoutSeconds < MIN_IDLE_TIMEOUT_SECONDS) {
    throw new ConfigError(
      `ASSETD_IDLE_TIMEOUT_SECONDS must be at least ${MIN_IDLE_TIMEOUT_SECONDS}, got ${idleTimeoutSeconds}: a long poll holds its connection silent for up to 30 s`,
    );
  }
  return Object.freeze({
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    idleTimeoutSeconds,
    maxConnections: integer(env, 'ASSETD_MAX_CONNECTIONS', 1000, 1, 1_000_000),
    minBodyBytesPerSecond: integer(env, 'ASSETD_MIN_BODY_BYTES_PER_SECOND', 16 * 1024, 0, 1024 ** 3),
    minBodyRateWindowSeconds: integer(env, 'ASSETD_MIN_BODY_RATE_WINDOW_SECONDS', 30, 1, 3600),
    shutdownGraceSeconds: integer(env, 'ASSETD_SHUTDOWN_GRACE_SECONDS', 20, 0, 3600),
  });
}

function optionalInteger(env: Env, name: string, min: number, max: number): number | null {
  return text(env, name) === undefined ? null : integer(env, name, 0, min, max);
}

function redis(env: Env): Config['redis'] {
  const url = text(env, 'ASSETD_REDIS_URL');
  if (url === undefined) return undefined;
  if (!/^rediss?:\/\/[^/]/.test(url))
    throw new ConfigError('ASSETD_REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379');
  const keyPrefix = text(env, 'ASSETD_REDIS_KEY_PREFIX') ?? 'assetd:';
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('ASSETD_REDIS_KEY_PREFIX must be 1–64 letters, digits, colons, dots, underscores or hyphens, such as assetd:');
  }
  return Object.freeze({ url, keyPrefix });
}

function rateLimits(env: Env): Config['rateLimits'] {
  return Object.freeze({
    authFailures: Object.freeze({
      max: integer(env, 'ASSETD_RATE_LIMIT_AUTH_FAILURES', 20, 0, 1_000_000),
      windowSeconds: integer(env, 'ASSETD_RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS', 600, 1, 24 * 3600),
    }),
    requests: Object.freeze({ max: integer(env, 'ASSETD_RATE_LIMIT_REQUESTS_PER_MINUTE', 6000, 0, 100_000_000), windowSeconds: 60 }),
    uploads: Object.freeze({ max: integer(env, 'ASSETD_RATE_LIMIT_UPLOADS_PER_MINUTE', 1200, 0, 100_000_000), windowSeconds: 60 }),
  });
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(text(env, 'ASSETD_DATA_DIR') ?? './data');
  const databaseUrl = text(env, 'ASSETD_DATABASE_URL') ?? `sqlite:${path.join(dataDir, 'assetd.db')}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('ASSETD_DATABASE_URL must start with sqlite: or postgres://');
  }
  const apiKey = text(env, 'ASSETD_API_KEY');
  const apiSecret = text(env, 'ASSETD_API_SECRET');
  if ((apiKey === undefined) !== (apiSecret === undefined)) {
    throw new ConfigError('ASSETD_API_KEY and ASSETD_API_SECRET must be set together');
  }
  if (apiSecret !== undefined && apiSecret.length < 16) {
    throw new ConfigError('ASSETD_API_SECRET must be at least 16 characters');
  }
  const signingSecret = text(env, 'ASSETD_SIGNING_SECRET');
  if (signingSecret !== undefined && signingSecret.length < 32) {
    throw new ConfigError('ASSETD_SIGNING_SECRET must be at least 32 characters');
  }
  const publicUrl = text(env, 'ASSETD_PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new ConfigError('ASSETD_PUBLIC_URL must be an http(s) URL such as https://assets.example.com');
  }
  const logLevel = text(env, 'ASSETD_LOG_LEVEL') ?? 'info';
  const storage = storageConfig(env, dataDir);
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`ASSETD_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return Object.freeze({
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    dataDir,
    databaseUrl,
    database: Object.freeze({
      connectTimeoutMs: integer(env, 'ASSETD_DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
      statementTimeoutMs: integer(env, 'ASSETD_DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, 24 * 3600 * 1000),
      busyTimeoutMs: integer(env, 'ASSETD_SQLITE_BUSY_TIMEOUT_MS', 5000, 0, 600_000),
    }),
    storage,
    fileLinks: fileLinks(env, storage),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    signingSecret,
    urlTtlSeconds: integer(env, 'ASSETD_URL_TTL_SECONDS', 3600, 60, 7 * 24 * 3600),
    bootstrapKey: apiKey && apiSecret ? Object.freeze({ apiKey, apiSecret }) : undefined,
    maxSmallImageBytes: integer(env, 'ASSETD_MAX_IMAGE_BYTES', 6_000_000, 1, 1024 ** 3),
    maxImagePixels: integer(env, 'ASSETD_MAX_IMAGE_PIXELS', 268_402_689, 1, 2 ** 40),
    ffmpeg: ffmpegSetting(text(env, 'ASSETD_FFMPEG_PATH')),
    maxFormUploadBytes: integer(env, 'ASSETD_MAX_FORM_UPLOAD_BYTES', 512 * 1024 ** 2, 1, Number.MAX_SAFE_INTEGER),
    token360Prefix: routePrefix(env, 'ASSETD_TOKEN360_PREFIX', '/token360'),
    webDir: webDir(text(env, 'ASSETD_WEB_DIR')),
    logLevel,
    corsOrigins: corsOrigins(text(env, 'ASSETD_CORS_ORIGINS')),
    metrics: Object.freeze({
      port: text(env, 'ASSETD_METRICS_PORT') === undefined ? undefined : integer(env, 'ASSETD_METRICS_PORT', 0, 1, 65535),
      token: metricsToken(text(env, 'ASSETD_METRICS_TOKEN')),
    }),
    disk: Object.freeze({
      reserveBytes: integer(env, 'ASSETD_DISK_RESERVE_BYTES', 16 * 1024 ** 2, 0, 1024 ** 3),
      minFreeBytes: integer(env, 'ASSETD_MIN_FREE_BYTES', 64 * 1024 ** 2, 0, Number.MAX_SAFE_INTEGER),
    }),
    allowedHosts: hostList(env, 'ASSETD_ALLOWED_HOSTS'),
    parts: Object.freeze({
      port: text(env, 'ASSETD_PARTS_PORT') === undefined ? undefined : integer(env, 'ASSETD_PARTS_PORT', 0, 1, 65535),
      url: text(env, 'ASSETD_PARTS_URL') === undefined ? undefined : baseUrl(env, 'ASSETD_PARTS_URL', ''),
    }),
    connections: connections(env),
    uploads: Object.freeze({
      maxFileBytes: integer(env, 'ASSETD_MAX_UPLOAD_BYTES', 5 * 1024 ** 4, 1, Number.MAX_SAFE_INTEGER),
      partUrlTtlSeconds: integer(env, 'ASSETD_PART_URL_TTL_SECONDS', 24 * 3600, 60, 7 * 24 * 3600),
      uploadTtlSeconds: integer(env, 'ASSETD_UPLOAD_TTL_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
      stepTimeoutSeconds: integer(env, 'ASSETD_STEP_TIMEOUT_SECONDS', 300, 1, 24 * 3600),
      completionLeaseSeconds: integer(env, 'ASSETD_COMPLETION_LEASE_SECONDS', 30, 1, 3600),
      maxPendingPerProject: integer(env, 'ASSETD_MAX_PENDING_UPLOADS', 1000, 1, 1_000_000),
    }),
    collector: Object.freeze({
      graceSeconds: integer(env, 'ASSETD_COLLECT_GRACE_SECONDS', 6 * 3600, 0, 30 * 24 * 3600),
      intervalSeconds: integer(env, 'ASSETD_COLLECT_INTERVAL_SECONDS', 3600, 1, 7 * 24 * 3600),
    }),
    imports: Object.freeze({
      maxBytes: integer(env, 'ASSETD_IMPORT_MAX_BYTES', 20 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
      timeoutSeconds: integer(env, 'ASSETD_IMPORT_TIMEOUT_SECONDS', 3600, 1, 7 * 24 * 3600),
      minRate: Object.freeze({
        bytesPerSecond: integer(env, 'ASSETD_IMPORT_MIN_BYTES_PER_SECOND', 32 * 1024, 0, 1024 ** 3),
        windowSeconds: integer(env, 'ASSETD_IMPORT_MIN_RATE_WINDOW_SECONDS', 60, 1, 3600),
      }),
      allowedHosts: hostList(env, 'ASSETD_IMPORT_ALLOWED_HOSTS'),
      huggingFaceUrl: baseUrl(env, 'ASSETD_HUGGINGFACE_URL', 'https://huggingface.co'),
      huggingFaceToken: text(env, 'ASSETD_HUGGINGFACE_TOKEN'),
      civitaiUrl: baseUrl(env, 'ASSETD_CIVITAI_URL', 'https://civitai.com'),
      civitaiToken: text(env, 'ASSETD_CIVITAI_TOKEN'),
    }),
    rateLimits: rateLimits(env),
    redis: redis(env),
    quotas: Object.freeze({
      maxBytes: optionalInteger(env, 'ASSETD_QUOTA_MAX_BYTES', 0, Number.MAX_SAFE_INTEGER),
      maxAssets: optionalInteger(env, 'ASSETD_QUOTA_MAX_ASSETS', 0, Number.MAX_SAFE_INTEGER),
    }),
    jobs: Object.freeze({
      run: flag(env, 'ASSETD_RUN_JOBS', true),
      concurrency: integer(env, 'ASSETD_JOB_CONCURRENCY', 2, 1, 64),
      downloadConcurrency: integer(env, 'ASSETD_DOWNLOAD_CONCURRENCY', 2, 1, 64),
      leaseSeconds: integer(env, 'ASSETD_JOB_LEASE_SECONDS', 30, 1, 3600),
      testDelayMs: integer(env, 'ASSETD_TEST_JOB_DELAY_MS', 0, 0, 600_000),
    }),
    events: Object.freeze({
      retentionHours: integer(env, 'ASSETD_EVENT_RETENTION_HOURS', 72, 1, 90 * 24),
      pollMs: integer(env, 'ASSETD_EVENTS_POLL_MS', 2000, 20, 60_000),
      heartbeatSeconds: integer(env, 'ASSETD_EVENTS_HEARTBEAT_SECONDS', 15, 1, 300),
    }),
    webhooks: Object.freeze({
      allowedHosts: hostList(env, 'ASSETD_WEBHOOK_ALLOWED_HOSTS'),
      timeoutSeconds: integer(env, 'ASSETD_WEBHOOK_TIMEOUT_SECONDS', 15, 1, 300),
      retryDelaysMs: delays(env, 'ASSETD_WEBHOOK_RETRY_SCHEDULE', WEBHOOK_RETRY_SCHEDULE),
      disableAfterFailures: integer(env, 'ASSETD_WEBHOOK_DISABLE_AFTER_FAILURES', 10, 1, 1_000_000),
      disableAfterHours: integer(env, 'ASSETD_WEBHOOK_DISABLE_AFTER_HOURS', 24, 0, 90 * 24),
      concurrency: integer(env, 'ASSETD_WEBHOOK_CONCURRENCY', 4, 1, 64),
    }),
  });
}
