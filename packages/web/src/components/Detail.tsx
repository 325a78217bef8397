import type { Asset } from '@assetd/sdk';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useAction, useAsset, useChildren, useCollections } from '../api.ts';
import { formatBytes, formatDate, formatValue } from '../format.ts';
import type { Filters } from '../route.ts';
import { Preview } from './Preview.tsx';

/** The open asset: a large preview and everything the API tells and lets change. Esc closes it. */
export function Detail(props: {
  assetId: string;
  filters: Filters;
  onClose: () => void;
  onOpen: (assetId: string) => void;
  onFilters: (filters: Filters) => void;
}) {
  const asset = useAsset(props.assetId);
  const dialog = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const { onClose } = props;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus();
    };
  }, [onClose]);

  return (
    <div className="backdrop">
      <div ref={dialog} className="detail" role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1}>
        <button type="button" className="close icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
        {asset.isPending && <p className="state">Loading…</p>}
        {asset.isError && (
          <p className="state" role="alert" id={titleId}>
            This asset could not be loaded: {asset.error.message}
          </p>
        )}
        {asset.data && <AssetView asset={asset.data} titleId={titleId} {...props} />}
      </div>
    </div>
  );
}

function AssetView(props: {
  asset: Asset;
  titleId: string;
  filters: Filters;
  onClose: () => void;
  onOpen: (assetId: string) => void;
  onFilters: (filters: Filters) => void;
}) {
  const { asset } = props;
  const update = useAction((client, patch: Parameters<typeof client.assets.update>[1]) => client.assets.update(asset.id, patch));
  const remove = useAction((client, id: string) => client.assets.delete(id));
  const [copied, setCopied] = useState(false);

  return (
    <div className="detail-body">
      <div className="detail-preview">
        <Preview asset={asset} />
      </div>
      <div className="detail-side">
        <Rename asset={asset} titleId={props.titleId} onSave={(name) => update.mutate({ name })} />
        {update.isError && (
          <p className="error" role="alert">
            {update.error.message}
          </p>
        )}
        <div className="actions">
          <a className="button" href={asset.url} download={asset.metadata.name} target="_blank" rel="noopener noreferrer">
            Download
          </a>
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(asset.id).then(() => setCopied(true));
            }}
          >
            {copied ? 'Copied' : 'Copy id'}
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (window.confirm(`Delete "${asset.metadata.name}"? This cannot be undone.`)) {
                remove.mutate(asset.id, { onSuccess: props.onClose });
              }
            }}
          >
            Delete
          </button>
        </div>
        <Tags
          asset={asset}
          onChange={(tags) => update.mutate({ tags })}
          onFilter={(tag) => props.onFilters({ ...props.filters, tags: [tag] })}
        />
        <label className="field">
          Privacy
          <select value={asset.privacy} onChange={(event) => update.mutate({ privacy: event.target.value as Asset['privacy'] })}>
            <option value="private">Private</option>
            <option value="public">Public</option>
          </select>
        </label>
        <Description asset={asset} onSave={(description) => update.mutate({ description })} />
        <Collections asset={asset} />
        <Lineage asset={asset} onOpen={props.onOpen} />
        <Properties asset={asset} />
      </div>
    </div>
  );
}

function Rename(props: { asset: Asset; titleId: string; onSave: (name: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(props.asset.metadata.name);
  useEffect(() => setName(props.asset.metadata.name), [props.asset.metadata.name]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() && name.trim() !== props.asset.metadata.name) props.onSave(name.trim());
    setEditing(false);
  };
  if (!editing) {
    return (
      <div className="title-row">
        <h2 id={props.titleId} className="title">
          {props.asset.metadata.name}
        </h2>
        <button type="button" onClick={() => setEditing(true)}>
          Rename
        </button>
      </div>
    );
  }
  return (
    <form className="title-row" onSubmit={submit}>
      <input
        // biome-ignore lint/a11y/noAutofocus: the field the Rename button asked for
        autoFocus
        aria-label="Name"
        value={name}
        maxLength={1024}
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            setEditing(false);
          }
        }}
      />
      <button type="submit" className="primary">
        Save
      </button>
      <h2 id={props.titleId} className="visually-hidden">
        {props.asset.metadata.name}
      </h2>
    </form>
  );
}

function Tags(props: { asset: Asset; onChange: (tags: string[]) => void; onFilter: (tag: string) => void }) {
  const [tag, setTag] = useState('');
  const tags = props.asset.tags;
  return (
    <section className="field" aria-label="Tags">
      <h3>Tags</h3>
      <div className="chips">
        {tags.length === 0 && <span className="muted small">No tags.</span>}
        {tags.map((each) => (
          <span key={each} className="chip">
            <button type="button" className="link" aria-label={`Show assets tagged ${each}`} onClick={() => props.onFilter(each)}>
              #{each}
            </button>
            <button
              type="button"
              className="icon"
              aria-label={`Remove the tag ${each}`}
              onClick={() => props.onChange(tags.filter((other) => other !== each))}
            >
              ×
            </button>
          </span>
        ))}
      </div>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          const value = tag.trim();
          if (value && !tags.includes(value)) props.onChange([...tags, value]);
          setTag('');
        }}
      >
        <input
          value={tag}
          maxLength={100}
          onChange={(event) => setTag(event.target.value)}
          placeholder="Add a tag"
          aria-label="Add a tag"
        />
        <button type="submit" disabled={!tag.trim()}>
          Add
        </button>
      </form>
    </section>
  );
}

function Description(props: { asset: Asset; onSave: (description: string | null) => void }) {
  const saved = props.asset.description ?? '';
  const [text, setText] = useState(saved);
  useEffect(() => setText(saved), [saved]);
  return (
    <label className="field">
      Description
      <textarea value={text} rows={3} maxLength={10_000} onChange={(event) => setText(event.target.value)} />
      {text !== saved && (
        <button type="button" onClick={() => props.onSave(text.trim() ? text : null)}>
          Save description
        </button>
      )}
    </label>
  );
}

function Collections(props: { asset: Asset }) {
  const collections = useCollections();
  const toggle = useAction((client, input: { id: string; member: boolean }) =>
    input.member ? client.collections.removeAssets(input.id, [props.asset.id]) : client.collections.addAssets(input.id, [props.asset.id]),
  );
  return (
    <fieldset className="field">
      <legend>Collections</legend>
      {collections.data?.length === 0 && <span className="muted small">No collections in this project.</span>}
      {(collections.data ?? []).map((collection) => {
        const member = props.asset.collectionIds.includes(collection.id);
        return (
          <label key={collection.id} className="check">
            <input type="checkbox" checked={member} onChange={() => toggle.mutate({ id: collection.id, member })} /> {collection.name}
          </label>
        );
      })}
    </fieldset>
  );
}

function Lineage(props: { asset: Asset; onOpen: (assetId: string) => void }) {
  const children = useChildren(props.asset.id);
  const { parentId, rootParentId } = props.asset.metadata;
  if (!parentId && !children.data?.length) return null;
  return (
    <section className="field" aria-label="Lineage">
      <h3>Lineage</h3>
      {parentId && (
        <p>
          Parent:{' '}
          <button type="button" className="link" onClick={() => props.onOpen(parentId)}>
            {parentId}
          </button>
        </p>
      )}
      {rootParentId && rootParentId !== parentId && (
        <p>
          Root:{' '}
          <button type="button" className="link" onClick={() => props.onOpen(rootParentId)}>
            {rootParentId}
          </button>
        </p>
      )}
      {(children.data?.length ?? 0) > 0 && (
        <ul className="plain">
          {children.data?.map((child) => (
            <li key={child.id}>
              <button type="button" className="link" onClick={() => props.onOpen(child.id)}>
                {child.metadata.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Properties(props: { asset: Asset }) {
  const { asset } = props;
  const rows: Array<[string, unknown]> = [
    ['Id', asset.id],
    ['Kind', asset.kind],
    ['Type', asset.metadata.type],
    ['MIME type', asset.mimeType],
    ['Size', formatBytes(asset.metadata.size)],
    ['Created', formatDate(asset.createdAt)],
    ['Updated', formatDate(asset.updatedAt)],
    ['Source', asset.source],
    ['Status', asset.status],
    ['Author', asset.authorId],
    ...Object.entries(asset.properties).filter(([name]) => name !== 'size'),
  ];
  return (
    <section className="field" aria-label="Properties">
      <h3>Properties</h3>
      <dl className="properties">
        {rows.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{formatValue(value)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
