// `node --import ./scripts/server-loader.mjs <entry>.ts`: how the long-running platform processes
// (web, worker, monitor, edge) load our TypeScript. It compiles .ts/.tsx files with esbuild and
// leaves every other module to Node. tsx, used by scripts and tests, also routes each node_modules
// file through its hooks and keeps about 110 MB more resident in the web process (measured in
// docs/decisions/140-server-loader.md); the servers need none of what it adds.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./server-loader-hooks.mjs', import.meta.url);
