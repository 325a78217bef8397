import type { Collection } from '@assetd/sdk';
import { useState } from 'react';
import { useAction, useCollections } from '../api.ts';
import { type Filters, NO_FILTERS } from '../route.ts';

/** The collections: pick one to filter the grid by it; create, rename and delete them. */
export function Sidebar(props: { filters: Filters; onFilters: (filters: Filters) => void }) {
  const collections = useCollections();
  const [name, setName] = useState('');
  const create = useAction((client, value: string) => client.collections.create(value));
  const rename = useAction((client, input: { id: string; name: string }) => client.collections.rename(input.id, input.name));
  const remove = useAction((client, id: string) => client.collections.delete(id));
  const { filters, onFilters } = props;
  const show = (collectionId?: string) => {
    const { collectionId: _previous, ...rest } = filters;
    onFilters(collectionId ? { ...NO_FILTERS, ...rest, collectionId } : { ...NO_FILTERS, ...rest });
  };

  return (
    <nav className="sidebar" aria-label="Collections">
      <button type="button" className={filters.collectionId ? 'nav-item' : 'nav-item current'} onClick={() => show()}>
        All assets
      </button>
      <h2>Collections</h2>
      {collections.isError && <p className="error">The collections could not be loaded.</p>}
      <ul>
        {(collections.data ?? []).map((collection: Collection) => (
          <li key={collection.id}>
            <button
              type="button"
              className={filters.collectionId === collection.id ? 'nav-item current' : 'nav-item'}
              aria-current={filters.collectionId === collection.id ? 'page' : undefined}
              onClick={() => show(collection.id)}
            >
              <span className="nav-name">{collection.name}</span>
              <span className="count" role="note" aria-label={`${collection.assetCount} assets`}>
                {collection.assetCount}
              </span>
            </button>
            <span className="row-actions">
              <button
                type="button"
                className="icon"
                aria-label={`Rename the collection ${collection.name}`}
                onClick={() => {
                  const next = window.prompt('New name of the collection', collection.name)?.trim();
                  if (next && next !== collection.name) rename.mutate({ id: collection.id, name: next });
                }}
              >
                ✎
              </button>
              <button
                type="button"
                className="icon"
                aria-label={`Delete the collection ${collection.name}`}
                onClick={() => {
                  if (!window.confirm(`Delete the collection "${collection.name}"? Its assets stay in the project.`)) return;
                  if (filters.collectionId === collection.id) show();
                  remove.mutate(collection.id);
                }}
              >
                ✕
              </button>
            </span>
          </li>
        ))}
      </ul>
      {collections.data?.length === 0 && <p className="muted small">No collections yet: create one, then add assets to it.</p>}
      <form
        className="new-collection"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim()) create.mutate(name.trim(), { onSuccess: () => setName('') });
        }}
      >
        <input
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="New collection"
          aria-label="New collection name"
        />
        <button type="submit" disabled={!name.trim()}>
          Create
        </button>
      </form>
    </nav>
  );
}
