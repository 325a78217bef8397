/** What `.withResponse()` gives: the parsed result, and the raw response it came from. */
export interface WithResponse<T> {
  readonly data: T;
  readonly response: Response;
  /** The server's id for the request (`x-request-id`), to quote when asking about it. */
  readonly requestId: string | undefined;
}

interface Parsed<T> {
  readonly data: T;
  readonly response: Response;
}

/**
 * The result of an API call: await it for the parsed result, or call `.withResponse()` for the
 * result with its raw Response (status, headers, request id), or `.asResponse()` for the
 * Response alone — as openai-node does. The request is sent once, whichever is used.
 */
export class APIPromise<T> implements PromiseLike<T> {
  readonly #parsed: Promise<Parsed<T>>;

  constructor(parsed: Promise<Parsed<T>>) {
    this.#parsed = parsed;
  }

  /** The same call, its result passed through `transform` (the resource's unwrapping of `{asset}`). */
  map<U>(transform: (data: T) => U): APIPromise<U> {
    return new APIPromise(this.#parsed.then(({ data, response }) => ({ data: transform(data), response })));
  }

  withResponse(): Promise<WithResponse<T>> {
    return this.#parsed.then(({ data, response }) => ({ data, response, requestId: response.headers.get('x-request-id') ?? undefined }));
  }

  asResponse(): Promise<Response> {
    return this.#parsed.then(({ response }) => response);
  }

  // biome-ignore lint/suspicious/noThenProperty: an APIPromise is awaited like any promise
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#parsed.then(({ data }) => data).then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return 'APIPromise';
  }
}
