// The renderer that runs inside a build's container or child process. It is bundled with
// site/ into one file (renderer.mjs) so it starts fast and needs nothing but `node`.
//
//   node renderer.mjs <work dir>
//
// Reads <work>/input.json, writes every rendered file (or only the paths listed in `only`) to <work>/out/files/<n> and the list of
// them to <work>/out/manifest.json. Exit code 0: rendered; 2: the document is invalid (a
// content error, written to <work>/out/errors.json); anything else: the build machinery failed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { planSiteRender, validateSiteDocument, type RenderedFile, type SiteAsset } from '../site/index.ts';
import { CONTENT_ERROR_EXIT_CODE, type RenderInput, type RenderManifest } from './executors/types.ts';

const bytesOf = (base64: string | null): Buffer => (base64 === null ? Buffer.alloc(0) : Buffer.from(base64, 'base64'));

async function main(): Promise<number> {
  const workDir = process.argv[2];
  if (!workDir) {
    console.error('usage: node renderer.mjs <work dir>');
    return 64;
  }
  const input = JSON.parse(await readFile(path.join(workDir, 'input.json'), 'utf8')) as RenderInput;
  const outDir = path.join(workDir, 'out');
  await mkdir(path.join(outDir, 'files'), { recursive: true });

  const validated = validateSiteDocument(input.document);
  if (!validated.ok) {
    await writeFile(path.join(outDir, 'errors.json'), JSON.stringify(validated.errors));
    for (const error of validated.errors) console.error(`${error.path}: ${error.message}`);
    return CONTENT_ERROR_EXIT_CODE;
  }
  if (input.slowRenderMs) await new Promise((resolve) => setTimeout(resolve, input.slowRenderMs));

  const assets = new Map<string, SiteAsset>();
  for (const asset of input.assets) {
    assets.set(asset.id, {
      id: asset.id,
      fileName: asset.fileName,
      contentType: asset.contentType,
      width: asset.width,
      height: asset.height,
      sha256: asset.sha256,
      // Without bytes (the build cache has its files) only the markup uses it; rendering its
      // own files without them would publish empty images, which is refused below.
      data: bytesOf(asset.dataBase64),
      variants: asset.variants?.map(({ dataBase64, ...variant }) => ({ ...variant, data: bytesOf(dataBase64) })),
    });
  }
  const withoutBytes = new Set(
    input.assets.filter((a) => a.dataBase64 === null || a.variants?.some((v) => v.dataBase64 === null)).map((a) => a.id),
  );
  const started = Date.now();
  const files: RenderedFile[] = [];
  try {
    // Only the outputs the worker asked for: it reuses the others from the build cache.
    const only = input.only ? new Set(input.only) : null;
    const planned = planSiteRender(validated.document, { siteUrl: input.siteUrl, assets, hostingProvider: input.hostingProvider });
    for (const output of planned) {
      if (only && !only.has(output.path)) continue;
      if (output.assetId && withoutBytes.has(output.assetId)) {
        console.error(`asked to render ${output.path} without the bytes of image ${output.assetId}`);
        return 1;
      }
      files.push({ path: output.path, contentType: output.contentType, body: output.render() });
    }
  } catch (error) {
    // Rendering is a pure function of the input: whatever it refuses (an image that no longer
    // exists…) would be refused again on a retry, so it is reported as a content error.
    const message = error instanceof Error ? error.message : String(error);
    await writeFile(path.join(outDir, 'errors.json'), JSON.stringify([{ path: 'document', message }]));
    console.error(message);
    return CONTENT_ERROR_EXIT_CODE;
  }
  const manifest: RenderManifest = { files: [], renderMs: 0 };
  let n = 0;
  for (const file of files) {
    const name = String(++n).padStart(6, '0');
    await writeFile(path.join(outDir, 'files', name), file.body);
    manifest.files.push({ path: file.path, contentType: file.contentType, file: name, bytes: file.body.length });
  }
  manifest.renderMs = Date.now() - started;
  await writeFile(path.join(outDir, 'manifest.json'), JSON.stringify(manifest));
  console.log(`rendered ${files.length} files in ${manifest.renderMs} ms`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.stack ?? error.message : String(error));
    process.exit(1);
  },
);
