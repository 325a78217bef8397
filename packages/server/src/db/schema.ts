import type { Generated } from 'kysely';

/** Timestamps are ISO-8601 strings with milliseconds in UTC: they sort as text on every engine. */
type Timestamp = string;

export interface TeamsTable {
  id: string;
  name: string;
  created_at: Timestamp;
}

export interface ProjectsTable {
  id: string;
  team_id: string;
  name: string;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  team_id: string;
  project_id: string;
  name: string;
  /** SHA-256 of the secret, hex. */
  secret_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface FilesTable {
  id: string;
  storage_key: string;
  sha256: string;
  size: number;
  mime_type: string;
  /** How many assets refer to these bytes; the row and its object go when it reaches zero. */
  ref_count: number;
  created_at: Timestamp;
}

export interface AssetsTable {
  id: string;
  project_id: string;
  author_id: string;
  kind: string;
  mime_type: string;
  name: string;
  original_file_name: string | null;
  description: string | null;
  source: string;
  type: string;
  privacy: string;
  is_hidden: number;
  /** JSON array of strings; asset_tags holds the same tags for filtering. */
  tags: string;
  parent_id: string | null;
  root_parent_id: string | null;
  model_id: string | null;
  file_id: string;
  thumbnail_file_id: string | null;
  first_frame_file_id: string | null;
  last_frame_file_id: string | null;
  /** A larger preview than the thumbnail (a 3D model's render). */
  preview_file_id: string | null;
  /** Why the kind's preview could not be made (a model too large to render in time). */
  preview_error: string | null;
  /** An audio asset's waveform peaks, JSON. */
  waveform_file_id: string | null;
  size: number;
  width: number | null;
  height: number | null;
  /** JSON object of the kind's properties (dimensions, duration, …). */
  properties: string;
  status: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AssetTagsTable {
  asset_id: string;
  tag: string;
}

export interface CollectionsTable {
  id: string;
  project_id: string;
  name: string;
  /** token360's groupKind, kept as the client set it (assetd validates no identity or provider). */
  group_kind: string | null;
  description: string | null;
  /** 0 when the group was made inactive: it takes no uploads. */
  active: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CollectionAssetsTable {
  collection_id: string;
  asset_id: string;
  created_at: Timestamp;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface UploadsTable {
  id: string;
  project_id: string;
  author_id: string;
  kind: string;
  source: string;
  provider: string | null;
  status: string;
  file_name: string;
  original_file_name: string | null;
  content_type: string | null;
  file_size: number | null;
  parts_count: number | null;
  /** The split the part URLs were planned with: part n starts at (n-1) × part_size. */
  part_size: number | null;
  /** JSON {collectionIds, hide, parentId}. */
  asset_options: string | null;
  url: string | null;
  entity_id: string | null;
  error_message: string | null;
  /** The upload's public job id (Scenario's jobs resource), and the id of its queue job once one runs. */
  job_id: string | null;
  /** When the upload first left pending (download, completion or validation began). */
  started_at: Timestamp | null;
  /** When it reached imported, failed or canceled. */
  ended_at: Timestamp | null;
  /** 0–1 while an import downloads a file of known size. */
  progress: number | null;
  /** Id the stored file will get, and the object key its bytes are assembled at. */
  file_id: string;
  storage_key: string;
  /** The storage backend's multipart upload id, while parts are being received. */
  multipart_id: string | null;
  /** Set while one request assembles the parts, so a concurrent complete does not do it twice. */
  completing_at: Timestamp | null;
  /**
   * What the upload holds of its project's quota (its bytes, and one asset) until it ends or
   * becomes an asset; null when it holds nothing.
   */
  reserved_bytes: number | null;
  expires_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface JobsTable {
  id: string;
  type: string;
  payload: string;
  /** queued → running → done, or back to queued for a retry, or dead after the last attempt. */
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: Timestamp;
  locked_by: string | null;
  /** The lease: past it, another worker may take the job over. */
  locked_until: Timestamp | null;
  /** The fencing token of the current lease, new with every claim; writes of the job must name it. */
  lease_token: string | null;
  /** The project the job works for ('' for none): claims serve the project with the fewest running jobs first. */
  project_id: string;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdempotencyKeysTable {
  project_id: string;
  key: string;
  /** SHA-256 of what the request asked (route, body): the same key with another request is refused. */
  request_hash: string;
  /** Null while the first request with the key runs. */
  status_code: number | null;
  response: string | null;
  created_at: Timestamp;
}

/** What a project stores, kept with every change (quotas/). */
export interface ProjectUsageTable {
  project_id: string;
  /** Each distinct original file of the project's assets, once. */
  bytes: number;
  assets: number;
  /** Claimed by unfinished uploads: their declared sizes, and one asset each. */
  reserved_bytes: number;
  reserved_assets: number;
}

/** A project's own limits (`assetd projects set-quota`); null: the server's default. */
export interface ProjectQuotasTable {
  project_id: string;
  max_bytes: number | null;
  max_assets: number | null;
}

/** The outbox of events (events/event-log.ts); `subject` is the changed object's domain snapshot, JSON. */
export interface EventsTable {
  /** Grows in commit order: a reader that has seen id n has seen every event before it. */
  id: Generated<number>;
  project_id: string;
  type: string;
  subject: string;
  created_at: Timestamp;
}

export interface WebhookEndpointsTable {
  id: string;
  project_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types. */
  event_types: string;
  enabled: number;
  /** `whsec_…` (Standard Webhooks): the endpoint's signing key. */
  secret: string;
  /** Failed attempts since the last success, and when that run of failures began. */
  consecutive_failures: number;
  failing_since: Timestamp | null;
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  project_id: string;
  event_id: number;
  event_type: string;
  /** pending (being tried, or waiting for its next attempt) → succeeded | failed. */
  status: string;
  attempts: number;
  /** The last attempt's HTTP status, when the receiver answered. */
  status_code: number | null;
  error: string | null;
  next_attempt_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Database {
  teams: TeamsTable;
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  files: FilesTable;
  assets: AssetsTable;
  asset_tags: AssetTagsTable;
  collections: CollectionsTable;
  collection_assets: CollectionAssetsTable;
  settings: SettingsTable;
  uploads: UploadsTable;
  jobs: JobsTable;
  idempotency_keys: IdempotencyKeysTable;
  project_usage: ProjectUsageTable;
  project_quotas: ProjectQuotasTable;
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
