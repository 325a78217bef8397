/**
 * The wire types, from the contract the server validates and answers with (`@assetd/contract`).
 * Only types are imported: nothing of TypeBox is loaded at run time, and a change to the
 * contract that breaks a client fails `tsc` here.
 */
import type {
  CollectionBody,
  CreateAssetJsonBody,
  CreateUploadBody,
  GetAssetQuery,
  GetJobQuery,
  GetUploadQuery,
  Job,
  ListAssetsQuery,
  ListCollectionsQuery,
  ListJobsQuery,
  ListUploadsQuery,
  UpdateAssetBody,
  Upload,
} from '@assetd/contract/scenario';
import type { Static } from 'typebox';

export type { ErrorCode } from '@assetd/contract/errors';
export type {
  Asset,
  AssetKind,
  AssetRendition,
  Collection,
  ErrorBody,
  Job,
  Privacy,
  Project,
  ProjectUsage,
  ReceivedPart,
  Upload,
  UploadKind,
  UploadPartLink,
  Webhook,
  WebhookCreateParams,
  WebhookDelivery,
  WebhookUpdateParams,
} from '@assetd/contract/scenario';

export type UploadStatus = Upload['status'];

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
export type CollectionCreateParams = Static<typeof CollectionBody>;
export type CollectionListParams = Partial<Static<typeof ListCollectionsQuery>>;
export type UploadCreateParams = Static<typeof CreateUploadBody>;
export type UploadRetrieveParams = Omit<Static<typeof GetUploadQuery>, 'projectId'>;
export type UploadListParams = Partial<Omit<Static<typeof ListUploadsQuery>, 'projectId'>>;

export type JobStatus = Job['status'];
export type JobRetrieveParams = Omit<Static<typeof GetJobQuery>, 'projectId'>;
/** `status` takes one or several job statuses. */
export type JobListParams = Partial<Omit<Static<typeof ListJobsQuery>, 'status'>> & { readonly status?: readonly JobStatus[] };
