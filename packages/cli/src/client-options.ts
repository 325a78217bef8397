import { AssetdClient } from '@assetd/sdk';
import { type Command, Option } from 'commander';
import type { CliIo } from './io.ts';
import { printable } from './printable.ts';

/**
 * An option whose default comes from an ASSETD_* variable of the CLI's own environment (not
 * process.env: tests run the CLI in-process). Values stay text here and are checked where used,
 * so a bad variable only fails the commands that read it. Secrets never show their value in help.
 */
export function envOption(io: CliIo, flags: string, description: string, variable: string, secret = false): Option {
  const option = new Option(flags, `${description} [env: ${variable}]`);
  const value = io.env[variable];
  if (value === undefined || value === '') return option;
  if (option.isBoolean()) return option.default(value === 'true' || value === '1', `$${variable}`);
  return option.default(value, secret ? `$${variable}` : undefined);
}

export interface ConnectionOptions {
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  readonly project?: string;
  readonly timeout?: string;
  readonly maxRetries?: string;
}

/** The server, credentials and request settings every client command takes. */
export function addConnectionOptions(command: Command, io: CliIo): Command {
  return command
    .addOption(envOption(io, '--base-url <url>', 'the assetd server (default http://127.0.0.1:8080)', 'ASSETD_BASE_URL'))
    .addOption(envOption(io, '--api-key <id>', 'API key id (key_…)', 'ASSETD_API_KEY'))
    .addOption(envOption(io, '--api-secret <secret>', 'API secret (sk_…)', 'ASSETD_API_SECRET', true))
    .addOption(envOption(io, '--project <id>', "another project of the key's team", 'ASSETD_PROJECT_ID'))
    .addOption(envOption(io, '--timeout <seconds>', 'time one request may take (default 60)', 'ASSETD_TIMEOUT'))
    .addOption(envOption(io, '--max-retries <n>', 'retries on network errors, 408, 429 and 5xx (default 2)', 'ASSETD_MAX_RETRIES'));
}

export function wholeNumber(value: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return number;
}

export function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(number > 0)) throw new Error(`${name} must be a positive number, got "${value}"`);
  return number;
}

export function clientFrom(options: ConnectionOptions): AssetdClient {
  if (!options.apiSecret) {
    throw new Error('No API credentials: pass --api-key and --api-secret, or set ASSETD_API_KEY and ASSETD_API_SECRET');
  }
  const timeout = positiveNumber(options.timeout, '--timeout');
  return new AssetdClient({
    // Explicit values only: the SDK must not read process.env behind the CLI's back.
    baseURL: options.baseUrl ?? 'http://127.0.0.1:8080',
    apiKey: options.apiKey ?? '',
    apiSecret: options.apiSecret ?? '',
    projectId: options.project ?? '',
    timeout: timeout === undefined ? undefined : timeout * 1000,
    maxRetries: wholeNumber(options.maxRetries, '--max-retries', 0, 20),
  });
}

export const CLIENT_ENVIRONMENT = `
Every option has an ASSETD_* variable (shown beside it); a flag given on the command line wins.`;

/** JSON escapes C0 controls itself; DEL and C1 (which some terminals obey) are escaped here too. */
export const toJson = (value: unknown) => `${printable(JSON.stringify(value, null, 2), false)}\n`;
