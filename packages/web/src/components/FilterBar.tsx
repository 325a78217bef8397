import { useState } from 'react';
import { type Filters, KINDS, type Kind, NO_FILTERS } from '../route.ts';

const SORTS = [
  { value: 'createdAt:desc', label: 'Newest first' },
  { value: 'createdAt:asc', label: 'Oldest first' },
  { value: 'updatedAt:desc', label: 'Recently changed' },
  { value: 'updatedAt:asc', label: 'Least recently changed' },
] as const;

/** Drops one key of the filters (a filter turned off). */
function without<K extends keyof Filters>(filters: Filters, key: K): Filters {
  const { [key]: _gone, ...rest } = filters;
  return { ...NO_FILTERS, ...rest };
}

/** Kind, tags, dates, sort and privacy: each one a parameter of the list API. */
export function FilterBar(props: { filters: Filters; onFilters: (filters: Filters) => void }) {
  const { filters, onFilters } = props;
  const [tag, setTag] = useState('');
  const set = <K extends keyof Filters>(key: K, value: Filters[K] | '') =>
    onFilters(value === '' || value === undefined ? without(filters, key) : { ...filters, [key]: value });
  const dated = filters.sortBy === 'createdAt';

  return (
    <section className="filters" aria-label="Filters">
      <label>
        Kind
        <select value={filters.kind ?? ''} onChange={(event) => set('kind', event.target.value as Kind | '')}>
          <option value="">All kinds</option>
          {KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kind === '3d' ? '3D models' : `${kind[0]?.toUpperCase()}${kind.slice(1)}s`}
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort
        <select
          value={`${filters.sortBy}:${filters.sortDirection}`}
          onChange={(event) => {
            const [sortBy, sortDirection] = event.target.value.split(':') as [Filters['sortBy'], Filters['sortDirection']];
            // Date bounds are on the creation date, which only that order can bound.
            const base = sortBy === 'createdAt' ? filters : without(without(filters, 'from'), 'to');
            onFilters({ ...base, sortBy, sortDirection });
          }}
        >
          {SORTS.map((sort) => (
            <option key={sort.value} value={sort.value}>
              {sort.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="date" value={filters.from ?? ''} disabled={!dated} onChange={(event) => set('from', event.target.value)} />
      </label>
      <label>
        To
        <input type="date" value={filters.to ?? ''} disabled={!dated} onChange={(event) => set('to', event.target.value)} />
      </label>
      <label>
        Privacy
        <select value={filters.privacy ?? ''} onChange={(event) => set('privacy', event.target.value as 'public' | 'private' | '')}>
          <option value="">Any</option>
          <option value="private">Private</option>
          <option value="public">Public (every team's)</option>
        </select>
      </label>
      <form
        className="tag-filter"
        onSubmit={(event) => {
          event.preventDefault();
          const value = tag.trim();
          if (value && !filters.tags.includes(value)) onFilters({ ...filters, tags: [...filters.tags, value] });
          setTag('');
        }}
      >
        <label>
          Tag
          <input value={tag} onChange={(event) => setTag(event.target.value)} placeholder="Filter by tag" aria-label="Filter by tag" />
        </label>
      </form>
      {filters.tags.map((each) => (
        <button
          key={each}
          type="button"
          className="chip"
          aria-label={`Remove the tag filter ${each}`}
          onClick={() => onFilters({ ...filters, tags: filters.tags.filter((other) => other !== each) })}
        >
          #{each} ×
        </button>
      ))}
      {JSON.stringify(filters) !== JSON.stringify(NO_FILTERS) && (
        <button type="button" className="link" onClick={() => onFilters(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </section>
  );
}
