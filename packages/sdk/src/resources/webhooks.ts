import type { Webhook, WebhookCreateParams, WebhookDelivery, WebhookUpdateParams } from '@assetd/contract/scenario';
import type { RequestOptions, Transport } from '../core/transport.ts';

/** A webhook endpoint with the secret its creation or rotation just made: keep it, it is not shown again. */
export type WebhookWithSecret = Webhook & { readonly secret: string };

const path = (id: string) => `/v1/webhooks/${encodeURIComponent(id)}`;

/**
 * `/v1/webhooks`: endpoints the project's events are POSTed to, signed per Standard Webhooks
 * (check them with `verifyWebhook`). An endpoint that keeps failing is disabled by the server
 * (`disabledAt`, `disabledReason`); `update(id, { enabled: true })` turns it on again.
 */
export class Webhooks {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  async #one(request: Parameters<Transport['request']>[0]): Promise<Webhook> {
    return (await this.#http.request<{ webhook: Webhook }>(request)).webhook;
  }

  /** Adds an endpoint; the answer holds its signing secret, the only time it is shown. */
  async create(params: WebhookCreateParams, options?: RequestOptions): Promise<WebhookWithSecret> {
    return (await this.#one({ method: 'POST', path: '/v1/webhooks', body: params, ...options })) as WebhookWithSecret;
  }

  async list(options?: RequestOptions): Promise<Webhook[]> {
    return (await this.#http.request<{ webhooks: Webhook[] }>({ method: 'GET', path: '/v1/webhooks', ...options })).webhooks;
  }

  retrieve(webhookId: string, options?: RequestOptions): Promise<Webhook> {
    return this.#one({ method: 'GET', path: path(webhookId), ...options });
  }

  update(webhookId: string, params: WebhookUpdateParams, options?: RequestOptions): Promise<Webhook> {
    return this.#one({ method: 'PATCH', path: path(webhookId), body: params, ...options });
  }

  /** Deletes the endpoint; deliveries not yet made are dropped. */
  async delete(webhookId: string, options?: RequestOptions): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: path(webhookId), ...options });
  }

  /** A new signing secret, in force at once: the old one no longer verifies. */
  async rotateSecret(webhookId: string, options?: RequestOptions): Promise<WebhookWithSecret> {
    return (await this.#one({ method: 'POST', path: `${path(webhookId)}/rotate-secret`, ...options })) as WebhookWithSecret;
  }

  /** The endpoint's recent deliveries, newest first. */
  async deliveries(webhookId: string, options?: RequestOptions): Promise<WebhookDelivery[]> {
    return (
      await this.#http.request<{ deliveries: WebhookDelivery[] }>({ method: 'GET', path: `${path(webhookId)}/deliveries`, ...options })
    ).deliveries;
  }

  /** Sends a delivery's event again (same `webhook-id`), as a new delivery. */
  async resend(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery> {
    const body = await this.#http.request<{ delivery: WebhookDelivery }>({
      method: 'POST',
      path: `${path(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}/resend`,
      ...options,
    });
    return body.delivery;
  }
}
