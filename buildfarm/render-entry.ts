// The renderer that runs inside a build's container or child process. It is bundled with
// site/ into one file (renderer.mjs) so it starts fast and needs nothing but `node`.
//
//   node renderer.mjs <work dir>
//   node renderer.mjs --wait [--warm-up] <work dir>
//
// With --wait (the docker executor's containers) it loads, optionally renders every template
// once in memory so the JIT has compiled the renderer (--warm-up: a warm pool container), prints
// `ready`, and renders when the worker renames input.json into the work folder (or writes a line
// to its stdin, whichever it sees first). A document.json renamed in before it is read at once,
// while the worker validates and plans the build; the input may then come without its document. If stdin closes first (the pool drained, or the worker died) it exits
// without rendering; if stdin closes while it renders (the worker died) it stops at once, so no
// container outlives the worker that started it.
// An input of kind 'source' (developer mode) is copied and checked instead (source-check-entry.ts).
// Reads <work>/input.json, writes every rendered file (or only the paths listed in `only`) to <work>/out/files/<n> and the list of
// them to <work>/out/manifest.json. Exit code 0: rendered; 2: the document is invalid (a
// content error, written to <work>/out/errors.json); anything else: the build machinery failed.
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { createSiteDocument, planSiteRender, templates, validateSiteDocument, type RenderedFile, type SiteAsset, type SiteDocument } from '../site/index.ts';
import { CONTENT_ERROR_EXIT_CODE, type RenderInput, type RenderManifest, type SourceCheckInput } from './executors/types.ts';
import { copyAndCheckSource, isSourceCheck } from './source-check-entry.ts';

const bytesOf = (base64: string | null): Buffer => (base64 === null ? Buffer.alloc(0) : Buffer.from(base64, 'base64'));

/** The last line a --wait renderer prints: its exit code. */
const DONE_PREFIX = 'done ';

/** Exit code when the worker went away (stdin closed) before or while this renderer ran. */
const WORKER_GONE_EXIT_CODE = 75;

async function render(workDir: string): Promise<number> {
  // Synchronous reads and writes: this process does nothing else meanwhile, and each call would
  // otherwise wait for a thread-pool thread (on a busy host, a scheduling delay each).
  const input = JSON.parse(readFileSync(path.join(workDir, 'input.json'), 'utf8')) as RenderInput | SourceCheckInput;
  // A developer-mode build: its files are copied and checked, not rendered (source-check-entry.ts).
  if (isSourceCheck(input)) return copyAndCheckSource(workDir, input);
  const outDir = path.join(workDir, 'out');
  mkdirSync(path.join(outDir, 'files'), { recursive: true });

  const validated = input.documentPreloaded
    ? { ok: true as const, document: preloadedDocument(workDir) as SiteDocument }
    : input.documentValidated
      ? { ok: true as const, document: input.document as SiteDocument }
      : validateSiteDocument(input.document);
  if (!validated.ok) {
    writeFileSync(path.join(outDir, 'errors.json'), JSON.stringify(validated.errors));
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
    writeFileSync(path.join(outDir, 'errors.json'), JSON.stringify([{ path: 'document', message }]));
    console.error(message);
    return CONTENT_ERROR_EXIT_CODE;
  }
  const manifest: RenderManifest = { files: [], renderMs: 0 };
  let n = 0;
  for (const file of files) {
    const name = String(++n).padStart(6, '0');
    writeFileSync(path.join(outDir, 'files', name), file.body);
    manifest.files.push({ path: file.path, contentType: file.contentType, file: name, bytes: file.body.length });
  }
  manifest.renderMs = Date.now() - started;
  writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest));
  console.log(`파일 ${files.length}개를 ${manifest.renderMs}ms에 만들었습니다.`);
  return 0;
}

let preloaded: unknown;

/**
 * The document the worker handed over ahead of the input (<work>/document.json), read once: while
 * the worker validates and plans the same version, or at the render at the latest. The input says
 * to use it only when the worker found it to be exactly the validated document (RenderInput.documentPreloaded).
 */
function preloadedDocument(workDir: string): unknown {
  preloaded ??= JSON.parse(readFileSync(path.join(workDir, 'document.json'), 'utf8'));
  return preloaded;
}

/** Renders each template's site in memory and throws the result away: compiles the hot paths. */
function warmUp(): void {
  for (const template of templates) {
    const document = createSiteDocument(template.id, { siteName: '준비' });
    for (const output of planSiteRender(document, { siteUrl: 'http://warm-up.localhost', assets: new Map(), hostingProvider: 'WindWalker' })) {
      if (!output.assetId) output.render();
    }
  }
}

/**
 * Resolves when input.json appears in the work folder (the worker renames it into place when the
 * build takes this container) or the worker writes a line to stdin, whichever is first; exits
 * the process when stdin closes before. The file is seen through inotify, which wakes this
 * process directly; the stdin line travels through the Docker engine and its shim, each of
 * which must be scheduled first (on a busy host, milliseconds each).
 */
function waitForGo(workDir: string): Promise<void> {
  return new Promise((resolve) => {
    let going = false;
    let watcher: FSWatcher | null = null;
    const go = () => {
      if (going) return;
      going = true;
      watcher?.close();
      resolve();
    };
    try {
      watcher = watch(workDir, (_event, name) => {
        if (name === 'input.json') go();
        // Read now, while the worker validates it; a failure here is the render's to report.
        else if (name === 'document.json' && !going && preloaded === undefined) {
          try {
            preloadedDocument(workDir);
          } catch {
            // The render reads it again and says why it cannot.
          }
        }
      });
    } catch {
      // No inotify here: the stdin line still comes.
    }
    if (existsSync(path.join(workDir, 'input.json'))) go();
    process.stdin.on('data', (chunk: Buffer) => {
      if (chunk.includes(10)) go();
    });
    // Before the go: an unused warm container is being drained. After: the worker died
    // mid-build and another worker takes the build over; rendering on would be wasted.
    process.stdin.on('end', () => process.exit(going ? WORKER_GONE_EXIT_CODE : 0));
    process.stdin.resume();
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const wait = args.includes('--wait');
  const workDir = args.find((arg) => !arg.startsWith('--'));
  if (!workDir) {
    console.error('usage: node renderer.mjs [--wait [--warm-up]] <work dir>');
    return 64;
  }
  if (!wait) return render(workDir);
  if (args.includes('--warm-up')) {
    try {
      warmUp();
    } catch (error) {
      // Only a head start: the build renders all the same.
      console.error(`warm-up failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  console.log('ready');
  await waitForGo(workDir);
  const code = await render(workDir);
  // The worker reads the output on this line instead of waiting for the container to be torn
  // down (its exit code stays the fallback when the renderer dies before it gets here).
  console.log(`${DONE_PREFIX}${code}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.stack ?? error.message : String(error));
    process.exit(1);
  },
);
