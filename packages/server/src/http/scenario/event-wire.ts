import type { AssetdEvent } from '@assetd/contract/scenario';
import type { Asset } from '../../assets/asset.ts';
import type { Collection } from '../../collections/collection-service.ts';
import type { RecordedEvent } from '../../events/event-types.ts';
import type { Upload } from '../../uploads/upload.ts';
import type { WebhookEndpoint } from '../../webhooks/webhook.ts';
import type { FileLinker } from '../file-links.ts';
import { toWireUpload } from './uploads.ts';
import { toWireAsset, toWireCollection, toWireWebhook } from './wire.ts';

/** What an event is about, as the API returns that object; links are signed when the event is sent. */
function dataOf(event: RecordedEvent, link: FileLinker) {
  switch (event.type) {
    case 'upload.imported':
    case 'upload.failed':
    case 'upload.canceled':
      return { upload: toWireUpload(event.subject as Upload) };
    case 'asset.created':
    case 'asset.updated':
    case 'asset.deleted':
      return { asset: toWireAsset(event.subject as Asset, link) };
    case 'collection.updated':
      return { collection: toWireCollection(event.subject as Collection) };
    case 'endpoint.disabled':
      return { webhook: toWireWebhook(event.subject as WebhookEndpoint) };
  }
}

/**
 * An event as the live stream and webhooks send it: its id (a decimal string: it grows with
 * each event), type, time, project, and in `data` the object as it was when the change
 * committed (an `asset.deleted` asset's links no longer open anything).
 */
export function toWireEvent(event: RecordedEvent, link: FileLinker): AssetdEvent {
  return {
    id: String(event.id),
    type: event.type,
    timestamp: event.createdAt,
    projectId: event.projectId,
    data: dataOf(event, link),
  };
}
