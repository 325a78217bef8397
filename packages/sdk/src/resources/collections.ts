import type { APIPromise } from '../core/api-promise.ts';
import { Page, PagePromise } from '../core/pagination.ts';
import type { RequestOptions, Transport } from '../core/transport.ts';
import type { Collection, CollectionListParams } from '../types.ts';

const path = (id: string) => `/v1/collections/${encodeURIComponent(id)}`;

/** `/v1/collections`: named groups of assets. */
export class Collections {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  #one(request: Parameters<Transport['request']>[0]): APIPromise<Collection> {
    return this.#http.request<{ collection: Collection }>(request).map((body) => body.collection);
  }

  create(name: string, options?: RequestOptions): APIPromise<Collection> {
    return this.#one({ method: 'POST', path: '/v1/collections', body: { name }, ...options });
  }

  retrieve(collectionId: string, options?: RequestOptions): APIPromise<Collection> {
    return this.#one({ method: 'GET', path: path(collectionId), ...options });
  }

  rename(collectionId: string, name: string, options?: RequestOptions): APIPromise<Collection> {
    return this.#one({ method: 'PUT', path: path(collectionId), body: { name }, ...options });
  }

  /** Deletes the collection; its assets stay in the library. */
  async delete(collectionId: string, options?: RequestOptions): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: path(collectionId), ...options });
  }

  /** Adds up to 49 assets. */
  addAssets(collectionId: string, assetIds: readonly string[], options?: RequestOptions): APIPromise<Collection> {
    return this.#one({ method: 'PUT', path: `${path(collectionId)}/assets`, body: { assetIds }, ...options });
  }

  /** Removes up to 49 assets. */
  removeAssets(collectionId: string, assetIds: readonly string[], options?: RequestOptions): APIPromise<Collection> {
    return this.#one({ method: 'DELETE', path: `${path(collectionId)}/assets`, body: { assetIds }, ...options });
  }

  /** A page of collections, newest first; `for await` walks every page. */
  list(params: CollectionListParams = {}, options?: RequestOptions): PagePromise<Collection> {
    const fetchPage = async (paginationToken?: string): Promise<Page<Collection>> => {
      const body = await this.#http.request<{ collections: Collection[]; nextPaginationToken?: string }>({
        method: 'GET',
        path: '/v1/collections',
        query: { ...params, ...(paginationToken ? { paginationToken } : {}) },
        ...options,
      });
      return new Page(body.collections, body.nextPaginationToken, fetchPage);
    };
    return new PagePromise(() => fetchPage(params.paginationToken));
  }
}
