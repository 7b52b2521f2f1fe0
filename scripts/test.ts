// `npm test`: builds the web app when needed, then runs every integration and unit test against a
// real PostgreSQL (embedded unless DATABASE_URL is set). Ends with `N passed, N failed`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { ensureWebBuild } from './web-build.ts';
import { runVitest } from './vitest-run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (existsSync(path.join(root, 'web/vite.config.ts'))) ensureWebBuild(root);
const result = runVitest(root, process.argv.slice(2), 'unit');
console.log(`${result.passed} passed, ${result.failed} failed${result.skipped ? `, ${result.skipped} skipped` : ''}`);
process.exit(result.ok ? 0 : 1);
