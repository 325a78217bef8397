import { Webhook } from 'standardwebhooks';
import type { AssetdEvent } from '../resources/events.ts';

export { WebhookVerificationError } from 'standardwebhooks';

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
  return new Webhook(secret).verify(payload, wanted) as AssetdEvent;
}
