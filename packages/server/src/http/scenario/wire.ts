import type { Webhook, Asset as WireAsset, Collection as WireCollection, WebhookDelivery as WireDelivery } from '@assetd/contract/scenario';
import type { Asset } from '../../assets/asset.ts';
import type { Collection } from '../../collections/collection-service.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../../webhooks/webhook.ts';
import type { FileLinker, RenditionLink } from '../file-links.ts';

/** What spec 000 lists for an uploaded image: the operations the hosted service offers on it. */
const IMAGE_EDIT_CAPABILITIES = [
  'REMOVE_BACKGROUND',
  'REFINE',
  'PIXELATE',
  'PROMPT_EDITING',
  'UPSCALE',
  'UPSCALE_360',
  'DETECTION',
  'VECTORIZATION',
  'SEGMENTATION',
  'REFRAME',
  'GENERATIVE_FILL',
] as const;

/**
 * The scenario dialect's asset object (spec 000 and 004). Fields are mapped one by one, never
 * passed through. `renditionsOf` adds `renditions` (resized copies of an image, for `srcset`)
 * when the request asked for them.
 */
export function toWireAsset(
  asset: Asset,
  link: FileLinker,
  renditionsOf?: (asset: Asset) => readonly RenditionLink[] | undefined,
): WireAsset {
  const renditions = renditionsOf?.(asset);
  const dimensions = asset.width !== null && asset.height !== null ? { width: asset.width, height: asset.height } : {};
  const thumbnailUrl = asset.thumbnail ? link(asset.thumbnail) : undefined;
  return {
    id: asset.id,
    url: link(asset.file),
    mimeType: asset.mimeType,
    metadata: {
      type: asset.type,
      name: asset.name,
      kind: asset.kind,
      ...dimensions,
      size: asset.size,
      ...(asset.parentId ? { parentId: asset.parentId } : {}),
      ...(asset.rootParentId ? { rootParentId: asset.rootParentId } : {}),
      ...(asset.modelId ? { modelId: asset.modelId } : {}),
      ...(thumbnailUrl ? { thumbnail: { url: thumbnailUrl } } : {}),
    },
    properties: { ...asset.properties },
    kind: asset.kind,
    source: asset.source,
    ownerId: asset.projectId,
    authorId: asset.authorId,
    createdAt: asset.createdAt,
    updatedAt: asset.updatedAt,
    privacy: asset.privacy,
    tags: [...asset.tags],
    collectionIds: [...asset.collectionIds],
    status: asset.status,
    editCapabilities: asset.kind === 'image' ? [...IMAGE_EDIT_CAPABILITIES] : [],
    isHidden: asset.isHidden,
    ...(asset.description !== null ? { description: asset.description } : {}),
    ...(thumbnailUrl ? { thumbnail: { url: thumbnailUrl } } : {}),
    ...(asset.firstFrame ? { firstFrame: { url: link(asset.firstFrame) } } : {}),
    ...(asset.lastFrame ? { lastFrame: { url: link(asset.lastFrame) } } : {}),
    ...(asset.preview ? { preview: { url: link(asset.preview) } } : {}),
    ...(asset.previewError ? { previewError: asset.previewError } : {}),
    ...(asset.waveform ? { waveform: { url: link(asset.waveform) } } : {}),
    ...(renditions && renditions.length > 0 ? { renditions: renditions.map((each) => ({ ...each })) } : {}),
  };
}

export function toWireCollection(collection: Collection): WireCollection {
  return {
    id: collection.id,
    name: collection.name,
    ownerId: collection.projectId,
    assetCount: collection.assetCount,
    itemCount: collection.assetCount,
    createdAt: collection.createdAt,
    updatedAt: collection.updatedAt,
  };
}

/** A webhook endpoint; `secret` only in the answers that make one (creation, rotation). */
export function toWireWebhook(endpoint: WebhookEndpoint, secret?: string): Webhook {
  return {
    id: endpoint.id,
    url: endpoint.url,
    ...(endpoint.description !== null ? { description: endpoint.description } : {}),
    eventTypes: [...endpoint.eventTypes],
    enabled: endpoint.enabled,
    consecutiveFailures: endpoint.consecutiveFailures,
    ...(endpoint.disabledAt ? { disabledAt: endpoint.disabledAt } : {}),
    ...(endpoint.disabledReason ? { disabledReason: endpoint.disabledReason } : {}),
    ownerId: endpoint.projectId,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    ...(secret !== undefined ? { secret } : {}),
  };
}

export function toWireDelivery(delivery: WebhookDelivery): WireDelivery {
  return {
    id: delivery.id,
    webhookId: delivery.endpointId,
    eventId: String(delivery.eventId),
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    ...(delivery.statusCode !== null ? { statusCode: delivery.statusCode } : {}),
    ...(delivery.error !== null ? { error: delivery.error } : {}),
    ...(delivery.nextAttemptAt !== null && delivery.status === 'pending' ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}
