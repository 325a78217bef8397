import { AssetdClient } from '@assetd/sdk';
import type { Credentials } from './session.ts';

/** The API is this page's own origin: the server that serves the app serves the API. */
export const clientFor = (credentials: Credentials) =>
  new AssetdClient({
    baseURL: window.location.origin,
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    ...(credentials.projectId ? { projectId: credentials.projectId } : {}),
  });
