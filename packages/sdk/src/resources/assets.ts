import type { APIPromise } from '../core/api-promise.ts';
import { Page, PagePromise } from '../core/pagination.ts';
import { newIdempotencyKey, type RequestOptions, type Transport } from '../core/transport.ts';
import type { Asset, AssetCreateParams, AssetListParams, AssetRenditionParams, AssetUpdateParams } from '../types.ts';

/** A call's options, and the renditions the asset should come with (see `srcsetOf`). */
export type AssetRetrieveOptions = RequestOptions & AssetRenditionParams;

const REQUEST_OPTIONS = ['signal', 'timeout', 'maxRetries', 'headers'] as const;

const path = (id: string) => `/v1/assets/${encodeURIComponent(id)}`;

/** `/v1/assets`: small image uploads, the library listing, and each asset. */
export class Assets {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** Uploads an image under 6 MB as base64 JSON (`client.upload` picks this path by itself). */
  create(params: AssetCreateParams, options?: RequestOptions): APIPromise<Asset> {
    return this.#http
      .request<{ asset: Asset }>({
        method: 'POST',
        path: '/v1/assets',
        body: params,
        ...options,
        idempotencyKey: options?.idempotencyKey ?? newIdempotencyKey(),
      })
      .map((body) => body.asset);
  }

  /** One asset; with rendition parameters, an image comes with `renditions` (links to resized copies). */
  retrieve(assetId: string, options: AssetRetrieveOptions = {}): APIPromise<Asset> {
    const request: Record<string, unknown> = {};
    const query: Record<string, string | number | undefined> = {};
    for (const [name, value] of Object.entries(options)) {
      if ((REQUEST_OPTIONS as readonly string[]).includes(name)) request[name] = value;
      else query[name] = value as string | number | undefined;
    }
    return this.#http
      .request<{ asset: Asset }>({ method: 'GET', path: path(assetId), query, ...(request as RequestOptions) })
      .map((body) => body.asset);
  }

  /** Changes the name, description, tags or privacy. */
  update(assetId: string, params: AssetUpdateParams, options?: RequestOptions): APIPromise<Asset> {
    return this.#http.request<{ asset: Asset }>({ method: 'PUT', path: path(assetId), body: params, ...options }).map((body) => body.asset);
  }

  async delete(assetId: string, options?: RequestOptions): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: path(assetId), ...options });
  }

  /** Deletes up to 100 assets, all or none. */
  async deleteMany(assetIds: readonly string[], options?: RequestOptions): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: '/v1/assets', body: { assetIds }, ...options });
  }

  /** A page of assets; `for await (const asset of client.assets.list())` walks every page. */
  list(params: AssetListParams = {}, options?: RequestOptions): PagePromise<Asset> {
    const fetchPage = async (paginationToken?: string): Promise<Page<Asset>> => {
      const query = { ...params, ...(paginationToken ? { paginationToken } : {}) };
      const body = await this.#http.request<{ assets: Asset[]; nextPaginationToken?: string }>({
        method: 'GET',
        path: '/v1/assets',
        query,
        ...options,
      });
      return new Page(body.assets, body.nextPaginationToken, fetchPage);
    };
    return new PagePromise(() => fetchPage(params.paginationToken));
  }

  /**
   * The asset's bytes, as a streaming Response. The file link is signed, so it is fetched
   * without credentials (it may point at a bucket, which must not see them).
   */
  async download(assetId: string, options?: RequestOptions): Promise<Response> {
    const asset = await this.retrieve(assetId, options);
    return this.#http.fetchFile(asset.url, options?.signal);
  }
}
