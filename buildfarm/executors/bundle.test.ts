// The renderer bundle is what a fresh clone's worker builds at start (esbuild, declared in
// package.json) and what the builder image carries: one file plain `node` runs, without tsx.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteDocument } from '../../site/index.ts';
import { bundleRenderer } from './bundle.ts';
import type { RenderManifest } from './types.ts';
import { prepareWorkspace } from './workspace.ts';

const run = promisify(execFile);
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-bundle-test-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the renderer bundle', () => {
  it('is one file that plain node runs to render only the outputs it is asked for', async () => {
    const bundle = await bundleRenderer(dataDir);
    expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
    const source = await readFile(bundle.path, 'utf8');
    expect(source).not.toMatch(/from ['"]\.\.?\//); // nothing left to resolve next to it

    const workspace = await prepareWorkspace({
      document: createSiteDocument('cafe', { siteName: '번들 카페' }),
      siteUrl: 'http://bundle.localhost',
      hostingProvider: 'WindWalker',
      assets: [],
      only: ['/index.html', '/robots.txt'],
    });
    try {
      // An empty environment and no loader flags: what the container and the child process get.
      const { stdout } = await run(process.execPath, [bundle.path, workspace.dir], { env: { NODE_ENV: 'production' }, cwd: workspace.dir });
      expect(stdout).toMatch(/^파일 2개를 \d+ms에 만들었습니다/);
      const manifest = JSON.parse(await readFile(path.join(workspace.dir, 'out', 'manifest.json'), 'utf8')) as RenderManifest;
      expect(manifest.files.map((file) => file.path)).toEqual(['/index.html', '/robots.txt']);
      const home = await readFile(path.join(workspace.dir, 'out', 'files', manifest.files[0]!.file), 'utf8');
      expect(home).toContain('번들 카페');
    } finally {
      await workspace.remove();
    }
  });
});
