import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded setup under ./data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: path.resolve('data'), maxSmallImageBytes: 6_000_000 });
    expect(config.databaseUrl).toBe(`sqlite:${path.resolve('data', 'assetd.db')}`);
    expect(config.storage).toEqual({ kind: 'local', root: path.resolve('data', 'files') });
    expect(Object.isFrozen(config)).toBe(true);
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
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
