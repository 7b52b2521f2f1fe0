// The Remix app's build. Run from the repository root: `npm run build`
// (= remix vite:build --config web/vite.config.ts) writes web/build/{client,server}.
// The root is the repository, so app code may import the domain folders (../../site,
// ../../db, ../../buildfarm, ../../config); those imports only ever appear in *.server.ts
// modules, which Remix keeps out of the browser bundle.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vite';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default defineConfig({
  root: repositoryRoot,
  // Client assets are served by our express server from web/build/client.
  publicDir: path.join(repositoryRoot, 'web/public'),
  resolve: { alias: { '~': path.join(repositoryRoot, 'web/app') } },
  build: {
    target: 'es2022',
    // Keep the previous build's files while building: a running server (or a test started
    // meanwhile) keeps serving its hashed assets instead of finding web/build gone. Old hashed
    // files stay behind (harmless, and browsers holding an old page can still load them).
    emptyOutDir: false,
  },
  server: { host: '127.0.0.1' },
  plugins: [
    remix({
      appDirectory: 'web/app',
      buildDirectory: 'web/build',
      serverModuleFormat: 'esm',
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
});
