import { WebhookVerificationError as LibraryVerificationError, Webhook } from 'standardwebhooks';
import { AssetdError } from '../core/errors.ts';
import type { AssetdEvent } from '../resources/events.ts';

/**
 * The request is not a webhook from assetd under this secret: forged, altered, or stale. Ours
 * rather than the library's, so the SDK's types never reach into a Node-only declaration.
 */
export class WebhookVerificationError extends AssetdError {
  override name = 'WebhookVerificationError';
}

/** Request headers as a framework gives them: a Headers object, or a record (Node's lower-cased IncomingHttpHeaders). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: WebhookHeaders, name: string): string {
  if (headers instanceof Headers) return headers.get(name) ?? '';
  const value = headers[name] ?? headers[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : (value as string | undefined)) ?? '';
}

/**
 * Checks a webhook request from assetd and returns its event: the `webhook-signature` must be
 * an HMAC-SHA256 of `webhook-id.webhook-timestamp.body` under the endpoint's secret (`whsec_…`,
 * from its creation or rotation), and the timestamp within five minutes of now (replays).
 * Pass the body exactly as received (the raw text, before any JSON parsing). Throws
 * WebhookVerificationError otherwise. Receivers should also drop a `webhook-id` already handled:
 * a retry sends the same id again.
 */
export function verifyWebhook(payload: string, headers: WebhookHeaders, secret: string): AssetdEvent {
  const wanted = {
    'webhook-id': header(headers, 'webhook-id'),
    'webhook-timestamp': header(headers, 'webhook-timestamp'),
    'webhook-signature': header(headers, 'webhook-signature'),
  };
  try {
    return new Webhook(secret).verify(payload, wanted) as AssetdEvent;
  } catch (error) {
    if (error instanceof LibraryVerificationError) throw new WebhookVerificationError(error.message, { cause: error });
    throw error;
  }
}
