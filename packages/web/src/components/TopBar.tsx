import { useEffect, useRef, useState } from 'react';
import { useProjects } from '../api.ts';
import type { Filters } from '../route.ts';
import { type PickedFile, pickedFiles } from '../uploads/dropped-files.ts';

/** Search, the project switcher, the upload pickers and sign out. */
export function TopBar(props: {
  filters: Filters;
  onFilters: (filters: Filters) => void;
  projectId: string | undefined;
  onProject: (projectId: string) => void;
  onSignOut: () => void;
  onFiles: (files: PickedFile[]) => void;
}) {
  const projects = useProjects();
  const [search, setSearch] = useState(props.filters.search ?? '');
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const { filters, onFilters } = props;

  // The box follows the URL (back button), and the URL follows the box after a short pause.
  useEffect(() => setSearch(filters.search ?? ''), [filters.search]);
  const latest = useRef({ filters, onFilters });
  latest.current = { filters, onFilters };
  useEffect(() => {
    const timer = setTimeout(() => {
      const { filters: now, onFilters: apply } = latest.current;
      if (search.trim() === (now.search ?? '')) return;
      const { search: _previous, ...rest } = now;
      apply(search.trim() ? { ...rest, search: search.trim() } : rest);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);

  const current = props.projectId ?? projects.data?.[0]?.id ?? '';
  return (
    <header className="topbar">
      <a className="brand" href="/">
        assetd
      </a>
      <input
        type="search"
        className="search"
        aria-label="Search by name"
        placeholder="Search by name…"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      <label className="project">
        <span className="visually-hidden">Project</span>
        <select aria-label="Project" value={current} onChange={(event) => props.onProject(event.target.value)} disabled={!projects.data}>
          {(projects.data ?? []).map((project) => (
            <option key={project.id} value={project.id}>
              {project.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="primary" onClick={() => files.current?.click()}>
        Upload files
      </button>
      <button type="button" onClick={() => folder.current?.click()}>
        Upload a folder
      </button>
      <input
        ref={files}
        type="file"
        multiple
        hidden
        aria-label="Files to upload"
        onChange={(event) => {
          if (event.target.files) props.onFiles(pickedFiles(event.target.files));
          event.target.value = '';
        }}
      />
      <input
        ref={(element) => {
          folder.current = element;
          // Not in React's typings: the attribute that makes the picker choose folders.
          element?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        hidden
        aria-label="Folder to upload"
        onChange={(event) => {
          if (event.target.files) props.onFiles(pickedFiles(event.target.files));
          event.target.value = '';
        }}
      />
      <button type="button" onClick={props.onSignOut}>
        Sign out
      </button>
    </header>
  );
}
