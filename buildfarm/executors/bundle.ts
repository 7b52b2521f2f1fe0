// The renderer bundle: buildfarm/render-entry.ts and site/ in one ESM file that plain `node`
// runs without tsx. Built once per worker start (a fraction of a second) into
// <dataDir>/buildfarm/renderer.mjs; the same file goes into the Docker builder image.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'render-entry.ts');

export interface RendererBundle {
  path: string;
  /** sha256 of the bundle: names the builder image, so a changed renderer gets a new image. */
  sha256: string;
}

export async function bundleRenderer(dataDir: string): Promise<RendererBundle> {
  const dir = path.join(dataDir, 'buildfarm');
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, 'renderer.mjs');
  // Several workers may share a data folder: each writes its own file and renames it into place.
  // (Two workers of one process may start in the same millisecond: the name is random too.)
  const temporary = path.join(dir, `renderer.${process.pid}.${Date.now()}.${randomBytes(4).toString('hex')}.mjs`);
  try {
    await build({
      entryPoints: [entry],
      outfile: temporary,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: false,
      sourcemap: false,
      logLevel: 'silent',
      legalComments: 'none',
      // Bundled CommonJS dependencies may call require(); give ESM output one.
      banner: { js: "import { createRequire as __wwCreateRequire } from 'node:module'; const require = __wwCreateRequire(import.meta.url);" },
    });
  } catch (cause) {
    throw new Error(`Could not bundle the renderer (${entry}): ${(cause as Error).message}`, { cause });
  }
  await rename(temporary, target);
  const sha256 = createHash('sha256').update(await readFile(target)).digest('hex');
  return { path: target, sha256 };
}
