import path from 'node:path';

/** Everything the server reads from its environment, parsed and validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `sqlite:<file>` for the embedded default, or a `postgres://` URL. */
  readonly databaseUrl: string;
  readonly storage: { readonly kind: 'local'; readonly root: string };
  /** Base URL clients reach this server at; signed file links are built on it. */
  readonly publicUrl: string | undefined;
  /** Secret for signed URLs; every process of a deployment must share it. */
  readonly signingSecret: string | undefined;
  readonly urlTtlSeconds: number;
  readonly bootstrapKey: { readonly apiKey: string; readonly apiSecret: string } | undefined;
  /** Images of this many bytes or more must go through /v1/uploads. */
  readonly maxSmallImageBytes: number;
  /** Images with more pixels are refused rather than decoded (decompression bombs). */
  readonly maxImagePixels: number;
  readonly logLevel: string;
  readonly uploads: {
    /** The largest file a multipart upload may declare (spec: 5 TB). */
    readonly maxFileBytes: number;
    readonly partUrlTtlSeconds: number;
    /** A pending upload not completed by then is swept and its bytes deleted. */
    readonly uploadTtlSeconds: number;
    /** A validation step running longer fails the upload. */
    readonly stepTimeoutSeconds: number;
  };
  readonly imports: {
    readonly maxBytes: number;
    readonly timeoutSeconds: number;
    /** host or host:port entries that may be fetched even though they resolve to private addresses. */
    readonly allowedHosts: readonly string[];
    readonly huggingFaceUrl: string;
    readonly huggingFaceToken: string | undefined;
    readonly civitaiUrl: string;
    readonly civitaiToken: string | undefined;
  };
  readonly jobs: {
    /** Whether this process runs jobs (embedded default) or leaves them to `assetd worker`. */
    readonly run: boolean;
    readonly concurrency: number;
  };
}

export class ConfigError extends Error {}

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

function text(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
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
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`ASSETD_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return Object.freeze({
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    dataDir,
    databaseUrl,
    storage: Object.freeze({ kind: 'local' as const, root: path.join(dataDir, 'files') }),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    signingSecret,
    urlTtlSeconds: integer(env, 'ASSETD_URL_TTL_SECONDS', 3600, 60, 7 * 24 * 3600),
    bootstrapKey: apiKey && apiSecret ? Object.freeze({ apiKey, apiSecret }) : undefined,
    maxSmallImageBytes: integer(env, 'ASSETD_MAX_IMAGE_BYTES', 6_000_000, 1, 1024 ** 3),
    maxImagePixels: integer(env, 'ASSETD_MAX_IMAGE_PIXELS', 268_402_689, 1, 2 ** 40),
    logLevel,
    uploads: Object.freeze({
      maxFileBytes: integer(env, 'ASSETD_MAX_UPLOAD_BYTES', 5 * 1024 ** 4, 1, Number.MAX_SAFE_INTEGER),
      partUrlTtlSeconds: integer(env, 'ASSETD_PART_URL_TTL_SECONDS', 24 * 3600, 60, 7 * 24 * 3600),
      uploadTtlSeconds: integer(env, 'ASSETD_UPLOAD_TTL_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
      stepTimeoutSeconds: integer(env, 'ASSETD_STEP_TIMEOUT_SECONDS', 300, 1, 24 * 3600),
    }),
    imports: Object.freeze({
      maxBytes: integer(env, 'ASSETD_IMPORT_MAX_BYTES', 20 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
      timeoutSeconds: integer(env, 'ASSETD_IMPORT_TIMEOUT_SECONDS', 3600, 1, 7 * 24 * 3600),
      allowedHosts: Object.freeze(
        (text(env, 'ASSETD_IMPORT_ALLOWED_HOSTS') ?? '')
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      ),
      huggingFaceUrl: baseUrl(env, 'ASSETD_HUGGINGFACE_URL', 'https://huggingface.co'),
      huggingFaceToken: text(env, 'ASSETD_HUGGINGFACE_TOKEN'),
      civitaiUrl: baseUrl(env, 'ASSETD_CIVITAI_URL', 'https://civitai.com'),
      civitaiToken: text(env, 'ASSETD_CIVITAI_TOKEN'),
    }),
    jobs: Object.freeze({
      run: flag(env, 'ASSETD_RUN_JOBS', true),
      concurrency: integer(env, 'ASSETD_JOB_CONCURRENCY', 2, 1, 64),
    }),
  });
}
