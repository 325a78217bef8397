import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { flatten, useAssetPages, useClient, useRefresh } from '../api.ts';
import { useServerReachable } from '../connection.ts';
import { type Filters, type Route, useRoute } from '../route.ts';
import { droppedFiles, type PickedFile } from '../uploads/dropped-files.ts';
import { UploadQueue } from '../uploads/upload-queue.ts';
import { Detail } from './Detail.tsx';
import { FilterBar } from './FilterBar.tsx';
import { Grid } from './Grid.tsx';
import { SelectionBar } from './SelectionBar.tsx';
import { Sidebar } from './Sidebar.tsx';
import { TopBar } from './TopBar.tsx';
import { UploadPanel } from './UploadPanel.tsx';

/** The signed-in page: header, collections, filters, the grid, the open asset and the uploads. */
export function Library(props: { projectId: string | undefined; onProject: (projectId: string) => void; onSignOut: () => void }) {
  const client = useClient();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const [route, navigate] = useRoute();
  const pages = useAssetPages(route.filters);
  const assets = useMemo(() => flatten(pages.data), [pages.data]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [dragging, setDragging] = useState(false);
  const reachable = useServerReachable();

  // One queue per session; imported assets appear in the grid without a reload.
  const imported = useRef(refresh);
  imported.current = refresh;
  const queue = useMemo(() => new UploadQueue(client, () => void imported.current()), [client]);
  useEffect(() => () => queue.dispose(), [queue]);
  const uploads = useSyncExternalStore(queue.subscribe, queue.snapshot);

  // Uploads from other clients appear when the page is looked at again.
  useEffect(() => {
    const onFocus = () => {
      if (document.visibilityState === 'visible') void queryClient.invalidateQueries({ queryKey: ['assets'] });
    };
    document.addEventListener('visibilitychange', onFocus);
    return () => document.removeEventListener('visibilitychange', onFocus);
  }, [queryClient]);

  // A selection belongs to the filters it was made in.
  const filterKey = JSON.stringify(route.filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the filters change
  useEffect(() => setSelected(new Set()), [filterKey]);

  const setFilters = (filters: Filters) => navigate({ filters });
  const open = (assetId: string) => navigate({ filters: route.filters, assetId });
  const close = () => navigate({ filters: route.filters } satisfies Route);
  const add = (files: PickedFile[]) => {
    if (files.length > 0) queue.add(files);
  };

  return (
    // Files or folders dropped anywhere on the page are uploaded.
    // biome-ignore lint/a11y/noStaticElementInteractions: the drop target is the whole page; the picker is the keyboard's way
    <div
      className="layout"
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (event.relatedTarget === null) setDragging(false);
      }}
      onDrop={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setDragging(false);
        void droppedFiles(event.dataTransfer).then(add);
      }}
    >
      <TopBar
        filters={route.filters}
        onFilters={setFilters}
        projectId={props.projectId}
        onProject={props.onProject}
        onSignOut={() => {
          queue.dispose();
          props.onSignOut();
        }}
        onFiles={add}
      />
      <Sidebar filters={route.filters} onFilters={setFilters} />
      <main className="content" aria-label="Assets">
        {(!reachable || uploads.some((item) => item.state === 'waiting')) && (
          <p className="banner" role="alert">
            The server cannot be reached. Trying again; uploads carry on when it is back.
          </p>
        )}
        <FilterBar filters={route.filters} onFilters={setFilters} />
        {assets.length > 0 && (
          <div className="grid-toolbar">
            <span className="muted small" aria-live="polite">
              {assets.length}
              {pages.hasNextPage ? '+' : ''} assets
            </span>
            <button type="button" className="link" onClick={() => setSelected(new Set(assets.map((asset) => asset.id)))}>
              Select all
            </button>
          </div>
        )}
        {selected.size > 0 && <SelectionBar selected={selected} onClear={() => setSelected(new Set())} />}
        <Grid
          assets={assets}
          pages={pages}
          selected={selected}
          onSelect={setSelected}
          onOpen={open}
          filtered={JSON.stringify(route.filters) !== JSON.stringify({ tags: [], sortBy: 'createdAt', sortDirection: 'desc' })}
        />
      </main>
      {route.assetId && <Detail assetId={route.assetId} filters={route.filters} onClose={close} onOpen={open} onFilters={setFilters} />}
      <UploadPanel queue={queue} items={uploads} />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop files or folders to upload them
        </div>
      )}
    </div>
  );
}
