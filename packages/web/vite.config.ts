import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// `npm run dev -w packages/web` talks to a running assetd (ASSETD_BASE_URL, default the README's).
const api = process.env.ASSETD_BASE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // The SDK and the contract are bundled from their TypeScript sources, never from a stale build.
  resolve: { conditions: ['@assetd/source', ...defaultClientConditions] },
  build: {
    // The server marks this folder immutable (http/web-app.ts): every name in it carries a content hash.
    assetsDir: '_app',
    target: 'es2022',
    // three.js is one lazy chunk of about 700 kB, loaded only when a 3D asset is opened.
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: Object.fromEntries(['/v1', '/files', '/uploads'].map((prefix) => [prefix, { target: api }])),
  },
});
