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
  });
}
