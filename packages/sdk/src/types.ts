/**
 * The wire types, derived at type level from the server's own code: the TypeBox schemas it
 * validates requests with, and the mappers that build its answers. Only `import type` is used,
 * so nothing of the server (nor TypeBox) is loaded at run time: the SDK keeps zero runtime
 * dependencies, and a change on the server that breaks a client fails `tsc` here.
 */
import type { Static } from 'typebox';
import type { GetJobQuery, ListJobsQuery, toWireJob } from '../../server/src/http/scenario/jobs.ts';
import type { toWireProject } from '../../server/src/http/scenario/projects.ts';
import type {
  CollectionBody,
  CreateAssetJsonBody,
  GetAssetQuery,
  ListAssetsQuery,
  ListCollectionsQuery,
  UpdateAssetBody,
} from '../../server/src/http/scenario/schemas.ts';
import type { CreateUploadBody, GetUploadQuery, ListUploadsQuery, toWireUpload } from '../../server/src/http/scenario/uploads.ts';
import type { toWireAsset, toWireCollection } from '../../server/src/http/scenario/wire.ts';

/** An asset, as `GET /v1/assets/{id}` answers it. */
export type Asset = ReturnType<typeof toWireAsset>;
/** A collection, as `GET /v1/collections/{id}` answers it. */
export type Collection = ReturnType<typeof toWireCollection>;
/** A project of the key's team (`GET /v1/projects`). */
export type Project = ReturnType<typeof toWireProject>;
/** An upload, as `GET /v1/uploads/{id}` answers it (with `parts` when just created). */
export type Upload = ReturnType<typeof toWireUpload>;
export type UploadStatus = Upload['status'];
export type UploadKind = Upload['kind'];
export type UploadPartLink = NonNullable<Upload['parts']>[number];

/** What `GET /v1/uploads/{id}/parts` lists: a part the server holds. */
export interface ReceivedPart {
  readonly number: number;
  readonly size: number;
  readonly etag: string;
}

export type AssetCreateParams = Static<typeof CreateAssetJsonBody>;
export type AssetUpdateParams = Static<typeof UpdateAssetBody>;
/** Every filter of `GET /v1/assets`; the server fills in the defaults of those left out. */
export type AssetListParams = Partial<Static<typeof ListAssetsQuery>>;
/**
 * What `renditions` an image asset comes with: a box in CSS pixels (`renditionWidth`,
 * `renditionHeight`), `renditionFit`, `renditionFormat`, `renditionQuality` and the screen
 * pixel ratios to serve (`renditionPixelRatios`, "1,2" by default). See `srcsetOf`.
 */
export type AssetRenditionParams = Omit<Static<typeof GetAssetQuery>, 'projectId'>;
/** One rendition of an image asset: a signed link to a resized copy, its exact size and type. */
export type AssetRendition = NonNullable<Asset['renditions']>[number];
export type CollectionCreateParams = Static<typeof CollectionBody>;
export type CollectionListParams = Partial<Static<typeof ListCollectionsQuery>>;
export type UploadCreateParams = Static<typeof CreateUploadBody>;
export type UploadRetrieveParams = Omit<Static<typeof GetUploadQuery>, 'projectId'>;
export type UploadListParams = Partial<Omit<Static<typeof ListUploadsQuery>, 'projectId'>>;

/** A job, as `GET /v1/jobs/{id}` answers it: one per upload, `metadata.output.entityId` once imported. */
export type Job = ReturnType<typeof toWireJob>;
export type JobStatus = Job['status'];
export type JobRetrieveParams = Omit<Static<typeof GetJobQuery>, 'projectId'>;
/** `status` takes one or several job statuses. */
export type JobListParams = Partial<Omit<Static<typeof ListJobsQuery>, 'status'>> & { readonly status?: readonly JobStatus[] };
