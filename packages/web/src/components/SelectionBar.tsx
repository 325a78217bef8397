import { useState } from 'react';
import { useAction, useCollections } from '../api.ts';

/** The server takes this many asset ids per call (collections and tags alike). */
const BATCH = 49;
const batches = <T,>(all: readonly T[]) =>
  Array.from({ length: Math.ceil(all.length / BATCH) }, (_, i) => all.slice(i * BATCH, (i + 1) * BATCH));

/** Actions on the selected assets: into or out of a collection, a tag, delete. */
export function SelectionBar(props: { selected: ReadonlySet<string>; onClear: () => void }) {
  const ids = [...props.selected];
  const collections = useCollections();
  const [target, setTarget] = useState('');
  const [tag, setTag] = useState('');
  const [message, setMessage] = useState<string>();

  const addTo = useAction(async (client, input: { collectionId?: string; newName?: string }) => {
    const collectionId = input.collectionId ?? (await client.collections.create(input.newName ?? 'New collection')).id;
    for (const batch of batches(ids)) await client.collections.addAssets(collectionId, batch);
    return collectionId;
  });
  const removeFrom = useAction(async (client, collectionId: string) => {
    for (const batch of batches(ids)) await client.collections.removeAssets(collectionId, batch);
  });
  const addTag = useAction(async (client, value: string) => {
    // One update per asset: tags are replaced as a whole, so each keeps its own.
    for (const id of ids) {
      const asset = await client.assets.retrieve(id);
      if (!asset.tags.includes(value)) await client.assets.update(id, { tags: [...asset.tags, value] });
    }
  });
  const remove = useAction(async (client, _: undefined) => {
    for (const batch of batches(ids)) await client.assets.deleteMany(batch);
  });
  const done = (text: string) => ({ onSuccess: () => setMessage(text), onError: (error: Error) => setMessage(error.message) });

  return (
    <section className="selection" aria-label="Selected assets">
      <strong>{ids.length} selected</strong>
      <label>
        Collection
        <select value={target} onChange={(event) => setTarget(event.target.value)} aria-label="Collection for the selected assets">
          <option value="">Choose…</option>
          <option value="__new">A new collection…</option>
          {(collections.data ?? []).map((collection) => (
            <option key={collection.id} value={collection.id}>
              {collection.name}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={!target}
        onClick={() => {
          if (target === '__new') {
            const newName = window.prompt('Name of the new collection')?.trim();
            if (newName) addTo.mutate({ newName }, done(`Added to "${newName}".`));
          } else addTo.mutate({ collectionId: target }, done('Added to the collection.'));
        }}
      >
        Add to collection
      </button>
      <button
        type="button"
        disabled={!target || target === '__new'}
        onClick={() => removeFrom.mutate(target, done('Removed from the collection.'))}
      >
        Remove from collection
      </button>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (tag.trim()) addTag.mutate(tag.trim(), done(`Tagged "${tag.trim()}".`));
          setTag('');
        }}
      >
        <input value={tag} onChange={(event) => setTag(event.target.value)} placeholder="Tag" aria-label="Tag the selected assets" />
        <button type="submit" disabled={!tag.trim()}>
          Tag
        </button>
      </form>
      <button
        type="button"
        className="danger"
        onClick={() => {
          if (window.confirm(`Delete ${ids.length} assets? This cannot be undone.`)) remove.mutate(undefined, { onSuccess: props.onClear });
        }}
      >
        Delete
      </button>
      <button type="button" className="link" onClick={props.onClear}>
        Clear selection
      </button>
      {message && (
        <span role="status" className="muted">
          {message}
        </span>
      )}
    </section>
  );
}
