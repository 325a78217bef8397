import type { Asset, Page } from '@assetd/sdk';
import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, type MouseEvent, memo, useCallback, useEffect, useRef, useState } from 'react';
import { useAction } from '../api.ts';
import { Thumbnail } from './Thumbnail.tsx';

const CARD = 176;
const GAP = 12;
const ROW = CARD + 52;

/**
 * The library's virtualised grid: only the rows in view are in the DOM, so 10,000 assets
 * scroll as smoothly as 10; the next page is fetched as the last rows come into view.
 * Keyboard: arrows move, Enter opens, Space selects, Delete asks, Ctrl+A selects all, Esc clears.
 */
export function Grid(props: {
  assets: readonly Asset[];
  pages: UseInfiniteQueryResult<InfiniteData<Page<Asset>>>;
  selected: ReadonlySet<string>;
  onSelect: (selected: ReadonlySet<string>) => void;
  onOpen: (assetId: string) => void;
  filtered: boolean;
}) {
  const { assets, pages, selected, onSelect } = props;
  // A state, not a ref: the grid element appears only once there are assets, and the observer must follow it.
  const [scroller, setScroller] = useState<HTMLDivElement | null>(null);
  const [columns, setColumns] = useState(4);
  const [active, setActive] = useState(0);
  const anchor = useRef<number | undefined>(undefined);
  const remove = useAction((client, ids: readonly string[]) => client.assets.deleteMany(ids));

  useEffect(() => {
    const element = scroller;
    if (!element) return;
    // The grid's padding (GAP on each side) holds no card; each card takes CARD plus a GAP after it.
    const observer = new ResizeObserver(() => setColumns(Math.max(1, Math.floor((element.clientWidth - GAP) / (CARD + GAP)))));
    observer.observe(element);
    return () => observer.disconnect();
  }, [scroller]);

  const rows = Math.ceil(assets.length / columns);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroller, estimateSize: () => ROW, overscan: 4 });
  const items = virtualizer.getVirtualItems();
  const lastRow = items[items.length - 1]?.index ?? 0;

  // Infinite scroll on the keyset cursor: the next page when the last loaded rows are in view.
  useEffect(() => {
    if (lastRow >= rows - 2 && pages.hasNextPage && !pages.isFetchingNextPage) void pages.fetchNextPage();
  }, [lastRow, rows, pages.hasNextPage, pages.isFetchingNextPage, pages.fetchNextPage]);

  const focus = (index: number) => {
    const next = Math.max(0, Math.min(assets.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(Math.floor(next / columns));
    return next;
  };

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };

  const askDelete = (ids: readonly string[]) => {
    if (ids.length === 0) return;
    const what = ids.length === 1 ? `"${assets.find((asset) => asset.id === ids[0])?.metadata.name ?? ids[0]}"` : `${ids.length} assets`;
    if (!window.confirm(`Delete ${what}? This cannot be undone.`)) return;
    remove.mutate(ids, { onSuccess: () => onSelect(new Set()) });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const current = assets[active];
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      PageDown: columns * 4,
      PageUp: -columns * 4,
    };
    const move = moves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      const next = focus(active + move);
      if (event.shiftKey) selectRange(anchor.current ?? active, next);
      return;
    }
    if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      focus(event.key === 'Home' ? 0 : assets.length - 1);
    } else if (event.key === 'Enter' && current) {
      event.preventDefault();
      props.onOpen(current.id);
    } else if (event.key === ' ' && current) {
      event.preventDefault();
      anchor.current = active;
      toggle(current.id);
    } else if ((event.key === 'Delete' || event.key === 'Backspace') && current) {
      event.preventDefault();
      askDelete(selected.size > 0 ? [...selected] : [current.id]);
    } else if (event.key.toLowerCase() === 'a' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSelect(new Set(assets.map((asset) => asset.id)));
    } else if (event.key === 'Escape' && selected.size > 0) {
      onSelect(new Set());
    }
  };

  const selectRange = (from: number, to: number) => {
    const [start, end] = from < to ? [from, to] : [to, from];
    onSelect(new Set([...selected, ...assets.slice(start, end + 1).map((asset) => asset.id)]));
  };

  const onCardClick = (event: MouseEvent, index: number, asset: Asset) => {
    setActive(index);
    if (event.shiftKey) {
      selectRange(anchor.current ?? index, index);
    } else if (event.ctrlKey || event.metaKey) {
      anchor.current = index;
      toggle(asset.id);
    } else {
      anchor.current = index;
      props.onOpen(asset.id);
    }
  };

  // Handlers that keep their identity, so a memoised card re-renders only when its own props change.
  const latest = useRef({ onCardClick, toggle, anchor });
  latest.current = { onCardClick, toggle, anchor };
  const onCard = useCallback((event: MouseEvent, index: number, asset: Asset) => latest.current.onCardClick(event, index, asset), []);
  const onToggle = useCallback((index: number, id: string) => {
    latest.current.anchor.current = index;
    latest.current.toggle(id);
  }, []);

  if (pages.isPending) return <p className="state">Loading the library…</p>;
  if (pages.isError) {
    return (
      <div className="state" role="alert">
        <p>The library could not be loaded: {pages.error.message}</p>
        <button type="button" onClick={() => void pages.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (assets.length === 0) {
    return (
      <p className="state">
        {props.filtered
          ? 'No asset matches these filters: change or clear them.'
          : 'The library is empty: drop files or folders anywhere on this page, or use “Upload files”.'}
      </p>
    );
  }

  const activeId = assets[active]?.id;
  return (
    // A virtualised grid positions its rows itself, which a <table> cannot do; cells are reached through
    // aria-activedescendant, the grid keeping the focus.
    // biome-ignore lint/a11y/useSemanticElements: see above
    <div
      ref={setScroller}
      className="grid"
      role="grid"
      aria-label="Assets"
      aria-multiselectable="true"
      aria-rowcount={rows}
      tabIndex={0}
      aria-activedescendant={activeId ? `card-${activeId}` : undefined}
      onKeyDown={onKeyDown}
    >
      <div className="grid-inner" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((row) => (
          // biome-ignore lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: rows of the virtualised grid, as above
          <div
            key={row.key}
            className="grid-row"
            role="row"
            aria-rowindex={row.index + 1}
            style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, ${CARD}px)` }}
          >
            {assets.slice(row.index * columns, row.index * columns + columns).map((asset, offset) => {
              const index = row.index * columns + offset;
              return (
                <Card
                  key={asset.id}
                  asset={asset}
                  index={index}
                  selected={selected.has(asset.id)}
                  active={index === active}
                  onClick={onCard}
                  onToggle={onToggle}
                />
              );
            })}
          </div>
        ))}
      </div>
      {pages.isFetchingNextPage && <p className="state small">Loading more…</p>}
    </div>
  );
}

/** One asset of the grid; memoised, since a page arriving re-renders the grid but changes no card already shown. */
const Card = memo(function Card(props: {
  asset: Asset;
  index: number;
  selected: boolean;
  active: boolean;
  onClick: (event: MouseEvent, index: number, asset: Asset) => void;
  onToggle: (index: number, id: string) => void;
}) {
  const { asset, index, selected: isSelected } = props;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: the grid takes the focus and the keys for its cells (aria-activedescendant)
    <div
      id={`card-${asset.id}`}
      role="gridcell"
      aria-selected={isSelected}
      aria-label={asset.metadata.name}
      className={`card${isSelected ? ' selected' : ''}${props.active ? ' active' : ''}`}
      data-asset-id={asset.id}
      onClick={(event) => props.onClick(event, index, asset)}
    >
      <Thumbnail asset={asset} />
      <div className="card-caption">
        <input
          type="checkbox"
          checked={isSelected}
          aria-label={`Select ${asset.metadata.name}`}
          tabIndex={-1}
          onClick={(event) => event.stopPropagation()}
          onChange={() => props.onToggle(index, asset.id)}
        />
        <span className="card-name" title={asset.metadata.name}>
          {asset.metadata.name}
        </span>
      </div>
    </div>
  );
});
