import {
  CreateWebhookBody,
  DeliveryParams,
  ErrorResponse,
  ProjectQuery,
  UpdateWebhookBody,
  WebhookParams,
  WireDelivery,
  WireWebhook,
} from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Container } from '../../container.ts';
import { requireScope } from '../plugins/auth.ts';
import { toWireDelivery, toWireWebhook } from './wire.ts';

const WebhookResponse = Type.Object({ webhook: WireWebhook });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };
const tags = ['webhooks'];

export function registerWebhookRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
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
      const { endpoint, secret } = await c.webhooks.create(requireScope(request), request.body);
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
      const { webhookId } = request.params;
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
      const { webhookId } = request.params;
      const endpoint = await c.webhooks.update(requireScope(request), webhookId, request.body);
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
      const { webhookId } = request.params;
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
      const { webhookId } = request.params;
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
      const { webhookId } = request.params;
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
      const { webhookId, deliveryId } = request.params;
      return { delivery: toWireDelivery(await c.webhooks.resend(requireScope(request), webhookId, deliveryId)) };
    },
  );
}
