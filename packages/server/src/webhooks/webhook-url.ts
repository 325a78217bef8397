import { AppError } from '../errors.ts';
import { ImportError } from '../uploads/import/import-error.ts';
import { checkImportUrl } from '../uploads/import/safe-request.ts';

const MAX_URL_LENGTH = 2048;

const refuse = (message: string, details?: Record<string, unknown>) => new AppError('WEBHOOK_URL_INVALID', message, details);

// "a unique-local", but "an unspecified".
const article = (word: string) => (/^(?!uni)[aeiou]/.test(word) ? 'an' : 'a');

/** Names that always mean this machine, refused like 127.0.0.1 without asking DNS. */
const LOCAL_NAME = /^(localhost|localhost\.localdomain)$|\.localhost$/i;

/**
 * A URL webhooks may be sent to: well-formed http(s) without credentials, whose host is not a
 * private, loopback or link-local address (nor `localhost`) unless listed in `allowedHosts`
 * (`host` or `host:port`) — the address policy of URL imports. No name is resolved here (a
 * name can resolve elsewhere later anyway): every delivery resolves and checks the host again,
 * and connects only to the addresses it checked.
 */
export function checkWebhookUrl(input: string, allowedHosts: readonly string[]): string {
  if (input.length > MAX_URL_LENGTH) throw refuse(`The webhook URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw refuse(`"${input.slice(0, 200)}" is not a valid URL: give an absolute http(s) URL such as https://example.com/hooks`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refuse(`Webhooks are sent over http or https, not ${url.protocol.slice(0, -1)}: give an http(s) URL`);
  }
  if (url.username || url.password) throw refuse('The webhook URL must not contain a user name or password');
  const allowed =
    allowedHosts.includes(url.host) || allowedHosts.includes(`${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`);
  const refusal = (range: string) =>
    refuse(
      `The webhook URL's host ${url.hostname} is ${article(range)} ${range} address: webhooks are only sent to public internet addresses (an operator can allow a host with ASSETD_WEBHOOK_ALLOWED_HOSTS)`,
      { host: url.hostname, range },
    );
  if (LOCAL_NAME.test(url.hostname) && !allowed) throw refusal('loopback');
  try {
    checkImportUrl(url.href, allowedHosts);
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    const { range } = (error.details ?? {}) as { range?: string };
    if (error.code === 'IMPORT_URL_FORBIDDEN' && range) throw refusal(range);
    throw refuse(`The webhook URL cannot be used: ${error.message}`);
  }
  return url.href;
}
