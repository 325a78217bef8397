/** One page of a list, with what it takes to get the next. */
export class Page<Item> {
  readonly items: readonly Item[];
  readonly nextPaginationToken: string | undefined;
  readonly #fetchPage: (paginationToken: string) => Promise<Page<Item>>;

  constructor(
    items: readonly Item[],
    nextPaginationToken: string | undefined,
    fetchPage: (paginationToken: string) => Promise<Page<Item>>,
  ) {
    this.items = items;
    this.nextPaginationToken = nextPaginationToken;
    this.#fetchPage = fetchPage;
  }

  hasNextPage(): boolean {
    return this.nextPaginationToken !== undefined;
  }

  /** The page after this one; throws when there is none (check hasNextPage first). */
  getNextPage(): Promise<Page<Item>> {
    if (this.nextPaginationToken === undefined) throw new Error('This is the last page: check hasNextPage() first');
    return this.#fetchPage(this.nextPaginationToken);
  }

  /** This page and every one after it. */
  async *iterPages(): AsyncGenerator<Page<Item>> {
    let page: Page<Item> = this;
    yield page;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      yield page;
    }
  }

  /** Every item from this page on, fetching the next pages as it goes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    for await (const page of this.iterPages()) yield* page.items;
  }
}

/**
 * What a list method returns: await it for the first page, or `for await` over it for every
 * item of every page. The first page is requested once, whichever is used.
 */
export class PagePromise<Item> implements PromiseLike<Page<Item>>, AsyncIterable<Item> {
  readonly #load: () => Promise<Page<Item>>;
  #page: Promise<Page<Item>> | undefined;

  /** Lazy: nothing is requested until the first await or iteration, so an unused list costs nothing and rejects nowhere. */
  constructor(load: () => Promise<Page<Item>>) {
    this.#load = load;
  }

  #first(): Promise<Page<Item>> {
    this.#page ??= this.#load();
    return this.#page;
  }

  // biome-ignore lint/suspicious/noThenProperty: a PagePromise is meant to be awaited
  then<A = Page<Item>, B = never>(
    onFulfilled?: ((page: Page<Item>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#first().then(onFulfilled, onRejected);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    yield* await this.#first();
  }
}
