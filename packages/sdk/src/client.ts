import { type ClientOptions, type ResolvedOptions, resolveOptions } from './core/options.ts';
import { Transport } from './core/transport.ts';
import { Assets } from './resources/assets.ts';
import { Collections } from './resources/collections.ts';
import { Events } from './resources/events.ts';
import { Jobs } from './resources/jobs.ts';
import { Projects } from './resources/projects.ts';
import { Uploads } from './resources/uploads.ts';
import { Webhooks } from './resources/webhooks.ts';
import type { Asset } from './types.ts';
import type { UploadSource } from './upload/source.ts';
import { type UploadOptions, uploadSource } from './upload/upload.ts';

/**
 * The assetd API client. Credentials and the server come from the options or, when left out,
 * from ASSETD_BASE_URL, ASSETD_API_KEY, ASSETD_API_SECRET and ASSETD_PROJECT_ID.
 *
 * ```ts
 * const client = new AssetdClient({ baseURL: 'http://127.0.0.1:8080', apiKey, apiSecret });
 * const asset = await client.upload('./video.mp4', { onProgress: (p) => console.log(p.loaded, '/', p.total) });
 * for await (const each of client.assets.list({ kind: 'video' })) console.log(each.id);
 * ```
 */
export class AssetdClient {
  readonly assets: Assets;
  readonly uploads: Uploads;
  readonly collections: Collections;
  readonly jobs: Jobs;
  readonly projects: Projects;
  readonly webhooks: Webhooks;
  /** The project's events as they happen (`client.events.stream()`). */
  readonly events: Events;
  readonly #transport: Transport;

  constructor(options: ClientOptions = {}) {
    this.#transport = new Transport(resolveOptions(options));
    this.assets = new Assets(this.#transport);
    this.uploads = new Uploads(this.#transport);
    this.collections = new Collections(this.#transport);
    this.jobs = new Jobs(this.#transport);
    this.projects = new Projects(this.#transport);
    this.webhooks = new Webhooks(this.#transport);
    this.events = new Events(this.#transport);
  }

  /** The settings in force, after the environment filled in what the options left out. */
  get options(): Omit<ResolvedOptions, 'authorization'> {
    const { authorization: _secret, ...visible } = this.#transport.options;
    return visible;
  }

  /**
   * Uploads a file, bytes, a Blob or a sized stream and returns the imported asset: base64 for
   * an image under 6 MB, otherwise a multipart upload with parts sent in parallel, retried, and
   * resumable (`resumeUploadId`), then a wait for the import. Throws UploadFailedError with
   * the server's errorMessage when the file is refused.
   */
  upload(source: UploadSource, options?: UploadOptions): Promise<Asset> {
    return uploadSource({ assets: this.assets, uploads: this.uploads, fetch: this.#transport.options.fetch }, source, options);
  }
}
