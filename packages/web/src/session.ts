/** What signing in keeps: the key, its secret and the project chosen. Never put in a URL. */
export interface Credentials {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly projectId?: string;
}

const KEY = 'assetd.credentials';

/** The credentials of this tab (sessionStorage), else those remembered on this device (localStorage). */
export function loadCredentials(): Credentials | undefined {
  for (const storage of [sessionStorage, localStorage]) {
    const raw = storage.getItem(KEY);
    if (!raw) continue;
    try {
      const parsed = JSON.parse(raw) as Partial<Credentials>;
      if (typeof parsed.apiKey === 'string' && typeof parsed.apiSecret === 'string') {
        return {
          apiKey: parsed.apiKey,
          apiSecret: parsed.apiSecret,
          ...(typeof parsed.projectId === 'string' ? { projectId: parsed.projectId } : {}),
        };
      }
    } catch {
      storage.removeItem(KEY);
    }
  }
  return undefined;
}

/** In this tab only, unless `remember`: then on this device too, until signing out. */
export function saveCredentials(credentials: Credentials, remember: boolean): void {
  const raw = JSON.stringify(credentials);
  sessionStorage.setItem(KEY, raw);
  if (remember) localStorage.setItem(KEY, raw);
}

/** Keeps the project choice wherever the credentials already are. */
export function saveProject(projectId: string): void {
  for (const storage of [sessionStorage, localStorage]) {
    const raw = storage.getItem(KEY);
    if (raw) storage.setItem(KEY, JSON.stringify({ ...(JSON.parse(raw) as object), projectId }));
  }
}

/** Signing out forgets everything this app stored, in both storages. */
export function clearCredentials(): void {
  sessionStorage.clear();
  localStorage.removeItem(KEY);
}
