import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import type { Container } from '../../container.ts';
import { EVENT_TYPES } from '../../events/event-types.ts';
import { DELIVERY_STATUSES } from '../../webhooks/webhook.ts';
import { requireScope } from '../plugins/auth.ts';
import { ErrorResponse, ProjectQuery, StringEnum } from './schemas.ts';
import { toWireDelivery, toWireWebhook } from './wire.ts';

const Id = Type.String({ minLength: 1, maxLength: 100 });
const WebhookParams = Type.Object({ webhookId: Id });
const DeliveryParams = Type.Object({ webhookId: Id, deliveryId: Id });

// Checked by the service, whose refusal names the types there are.
const EventTypes = Type.Array(Type.String({ maxLength: 100 }), {
  minItems: 1,
  maxItems: EVENT_TYPES.length,
  description: `The event types sent to this endpoint: ${EVENT_TYPES.join(', ')}`,
});

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'An http(s) URL on a public address' }),
    eventTypes: EventTypes,
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    enabled: Type.Optional(Type.Boolean({ description: 'true unless given' })),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean({ description: 'true also clears a disabled endpoint’s failure record' })),
  },
  { additionalProperties: false },
);

const WireWebhook = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.Optional(Type.String()),
    eventTypes: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    consecutiveFailures: Type.Integer(),
    disabledAt: Type.Optional(Type.String({ description: 'When the system disabled the endpoint because it kept failing' })),
    disabledReason: Type.Optional(Type.String()),
    ownerId: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    secret: Type.Optional(Type.String({ description: 'whsec_…: only in the answers to creation and rotate-secret' })),
  },
  { additionalProperties: false },
);

const WireDelivery = Type.Object(
  {
    id: Type.String(),
    webhookId: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    status: StringEnum(DELIVERY_STATUSES),
    attempts: Type.Integer(),
    statusCode: Type.Optional(Type.Integer({ description: "The last attempt's HTTP status, when the receiver answered" })),
    error: Type.Optional(Type.String()),
    nextAttemptAt: Type.Optional(Type.String()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);

const WebhookResponse = Type.Object({ webhook: WireWebhook });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };
const tags = ['webhooks'];

export function registerWebhookRoutes(app: FastifyInstance, c: Container): void {
  const config = { auth: 'key' as const };

  app.post(
    '/v1/webhooks',
    {
      config,
      schema: {
        summary: '*Beyond the spec*: add a webhook endpoint; its signing secret is in this answer only',
        tags,
        querystring: ProjectQuery,
        body: CreateWebhookBody,
        response: { 200: WebhookResponse, ...errors },
      },
    },
    async (request) => {
      const { endpoint, secret } = await c.webhooks.create(requireScope(request), request.body as Static<typeof CreateWebhookBody>);
      return { webhook: toWireWebhook(endpoint, secret) };
    },
  );

  app.get(
    '/v1/webhooks',
    {
      config,
      schema: {
        summary: "*Beyond the spec*: the project's webhook endpoints",
        tags,
        querystring: ProjectQuery,
        response: { 200: Type.Object({ webhooks: Type.Array(WireWebhook) }), ...errors },
      },
    },
    async (request) => ({ webhooks: (await c.webhooks.list(requireScope(request))).map((endpoint) => toWireWebhook(endpoint)) }),
  );

  app.get(
    '/v1/webhooks/:webhookId',
    {
      config,
      schema: {
        summary: '*Beyond the spec*: a webhook endpoint',
        tags,
        params: WebhookParams,
        querystring: ProjectQuery,
        response: { 200: WebhookResponse, ...errors },
      },
    },
    async (request) => {
      const { webhookId } = request.params as Static<typeof WebhookParams>;
      return { webhook: toWireWebhook(await c.webhooks.get(requireScope(request), webhookId)) };
    },
  );

  app.patch(
    '/v1/webhooks/:webhookId',
    {
      config,
      schema: {
        summary: '*Beyond the spec*: change a webhook endpoint (url, event types, description, enabled)',
        tags,
        params: WebhookParams,
        querystring: ProjectQuery,
        body: UpdateWebhookBody,
        response: { 200: WebhookResponse, ...errors },
      },
    },
    async (request) => {
      const { webhookId } = request.params as Static<typeof WebhookParams>;
      const endpoint = await c.webhooks.update(requireScope(request), webhookId, request.body as Static<typeof UpdateWebhookBody>);
      return { webhook: toWireWebhook(endpoint) };
    },
  );

  app.delete(
    '/v1/webhooks/:webhookId',
    {
      config,
      schema: {
        summary: '*Beyond the spec*: delete a webhook endpoint; deliveries not yet sent are dropped',
        tags,
        params: WebhookParams,
        querystring: ProjectQuery,
        response: { 200: Type.Object({}), ...errors },
      },
    },
    async (request) => {
      const { webhookId } = request.params as Static<typeof WebhookParams>;
      await c.webhooks.delete(requireScope(request), webhookId);
      return {};
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/rotate-secret',
    {
      config,
      schema: {
        summary: '*Beyond the spec*: replace the signing secret (the old one stops at once); the new one is in this answer only',
        tags,
        params: WebhookParams,
        querystring: ProjectQuery,
        response: { 200: WebhookResponse, ...errors },
      },
    },
    async (request) => {
      const { webhookId } = request.params as Static<typeof WebhookParams>;
      const { endpoint, secret } = await c.webhooks.rotateSecret(requireScope(request), webhookId);
      return { webhook: toWireWebhook(endpoint, secret) };
    },
  );

  app.get(
    '/v1/webhooks/:webhookId/deliveries',
    {
      config,
      schema: {
        summary: "*Beyond the spec*: the endpoint's recent deliveries, newest first, with their last status code or error",
        tags,
        params: WebhookParams,
        querystring: ProjectQuery,
        response: { 200: Type.Object({ deliveries: Type.Array(WireDelivery) }), ...errors },
      },
    },
    async (request) => {
      const { webhookId } = request.params as Static<typeof WebhookParams>;
      return { deliveries: (await c.webhooks.deliveries(requireScope(request), webhookId)).map(toWireDelivery) };
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/deliveries/:deliveryId/resend',
    {
      config,
      schema: {
        summary: "*Beyond the spec*: send a delivery's event again, as a new delivery",
        tags,
        params: DeliveryParams,
        querystring: ProjectQuery,
        response: { 200: Type.Object({ delivery: WireDelivery }), 409: ErrorResponse, 410: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const { webhookId, deliveryId } = request.params as Static<typeof DeliveryParams>;
      return { delivery: toWireDelivery(await c.webhooks.resend(requireScope(request), webhookId, deliveryId)) };
    },
  );
}
