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

export interface MigrationsMarker {
  _: Generated<number>;
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
}
