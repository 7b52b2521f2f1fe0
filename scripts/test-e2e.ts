// `npm run test:e2e`: browser tests in e2e/ (Playwright driving Debian's Chromium) against the
// whole platform started by `npm start` logic on free ports. Ends with `N passed, N failed`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWebBuild } from './web-build.ts';
import { runVitest } from './vitest-run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureWebBuild(root);
const result = runVitest(root, ['--config', 'e2e/vitest.config.ts', ...process.argv.slice(2)], 'e2e');
console.log(`${result.passed} passed, ${result.failed} failed${result.skipped ? `, ${result.skipped} skipped` : ''}`);
process.exit(result.ok ? 0 : 1);
