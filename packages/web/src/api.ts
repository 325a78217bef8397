import { type Asset, type AssetdClient, AuthenticationError, type Collection, type Page } from '@assetd/sdk';
import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { type Filters, listParams } from './route.ts';

/** The signed-in client: the only way this app reaches the API. */
export const ClientContext = createContext<AssetdClient | null>(null);

export function useClient(): AssetdClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside a signed-in session');
  return client;
}

/** A page of the grid: enough rows to fill a large screen, so the first paint needs one request. */
const PAGE_SIZE = 60;

/** Every query of a project starts with its id, so switching project never shows another's cache. */
export const keys = {
  projects: ['projects'] as const,
  assets: (projectId: string) => ['assets', projectId] as const,
  assetList: (projectId: string, filters: Filters) => ['assets', projectId, 'list', filters] as const,
  asset: (projectId: string, id: string) => ['assets', projectId, 'one', id] as const,
  children: (projectId: string, id: string) => ['assets', projectId, 'children', id] as const,
  collections: (projectId: string) => ['collections', projectId] as const,
};

export const projectOf = (client: AssetdClient) => client.options.projectId || 'default';

export function useProjects() {
  const client = useClient();
  return useQuery({
    queryKey: keys.projects,
    queryFn: ({ signal }) => client.projects.list({ signal }),
    staleTime: 60_000,
    // Asked again whenever the page is looked at, however fresh: a cheap call that finds out at
    // once when the key was revoked or expired meanwhile (the other queries may still be fresh).
    refetchOnWindowFocus: 'always',
  });
}

/** The grid's assets: pages on the keyset cursor, fetched as the user scrolls. */
/**
 * Image tiles come as renditions sized for the grid's cells, at the screen's pixel ratio
 * (`srcset` picks 1x or 2x): a 6000-px photo is never sent to draw a 200-px tile.
 */
const GRID_RENDITIONS = { renditionWidth: 256, renditionHeight: 256, renditionFit: 'cover', renditionPixelRatios: '1,2' } as const;

export function useAssetPages(filters: Filters) {
  const client = useClient();
  return useInfiniteQuery({
    queryKey: keys.assetList(projectOf(client), filters),
    queryFn: async ({ pageParam, signal }): Promise<Page<Asset>> =>
      client.assets.list(
        { ...listParams(filters), ...GRID_RENDITIONS, pageSize: PAGE_SIZE, ...(pageParam ? { paginationToken: pageParam } : {}) },
        { signal },
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextPaginationToken,
  });
}

export function useAsset(id: string | undefined) {
  const client = useClient();
  return useQuery({
    queryKey: keys.asset(projectOf(client), id ?? ''),
    queryFn: ({ signal }) => client.assets.retrieve(id ?? '', { signal }),
    enabled: Boolean(id),
  });
}

export function useChildren(id: string) {
  const client = useClient();
  return useQuery({
    queryKey: keys.children(projectOf(client), id),
    queryFn: async ({ signal }) => (await client.assets.list({ parentAssetId: id, pageSize: 50 }, { signal })).items,
  });
}

export function useCollections() {
  const client = useClient();
  return useQuery({
    queryKey: keys.collections(projectOf(client)),
    queryFn: async ({ signal }) => {
      const all: Collection[] = [];
      for await (const collection of client.collections.list({ pageSize: 100 }, { signal })) all.push(collection);
      return all;
    },
  });
}

/** After any change: the lists, the open asset and the collections' counts are fetched again. */
export function useRefresh() {
  const queryClient = useQueryClient();
  const client = useClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: keys.assets(projectOf(client)) }),
      queryClient.invalidateQueries({ queryKey: keys.collections(projectOf(client)) }),
    ]);
}

/** A mutation that refreshes what it changed, whatever it was. */
export function useAction<Input, Output>(run: (client: AssetdClient, input: Input) => Promise<Output>) {
  const client = useClient();
  const refresh = useRefresh();
  return useMutation({ mutationFn: (input: Input) => run(client, input), onSettled: refresh });
}

/** The assets of the loaded pages, in order. */
export const flatten = (data: InfiniteData<Page<Asset>> | undefined): Asset[] => data?.pages.flatMap((page) => [...page.items]) ?? [];

/** True for an answer that means the key no longer works (revoked, expired): back to sign in. */
export const isSignedOut = (error: unknown) => error instanceof AuthenticationError;
