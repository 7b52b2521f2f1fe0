// Moving a workspace between the web host (where its git repository lives: decision 145) and the
// host whose agent runs the editor. Git bundles carry it both ways:
// - to start a session, the web bundles the repository's history (`main`) and the agent clones
//   it into its own data folder, the folder the container mounts;
// - while the session runs and when it stops, the agent stages its tree, records it in a commit
//   that is no branch's (refs/windwalker/sync, parent: the commit it was given) and bundles only
//   that commit; the web fetches it and checks the tree out in its copy without moving `main`.
//   The web then commits when it always did (stop, publish, restore), so the save history holds
//   the same saves as before, not one per sync.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { git, type Repo } from './git.ts';

const SYNC_REF = 'refs/windwalker/sync';

async function withTemporaryFile<T>(work: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ww-devmode-bundle-'));
  try {
    return await work(path.join(dir, 'b.bundle'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The repository's `main`, as a bundle another host can clone. */
export function bundleHistory(repo: Repo): Promise<Buffer> {
  return withTemporaryFile(async (file) => {
    await git(repo, ['bundle', 'create', '--quiet', file, 'main']);
    return readFile(file);
  });
}

/** Makes `repo` a fresh clone of a bundle of `main`, its tree checked out. Returns the commit. */
export async function cloneFromBundle(repo: Repo, bundle: Buffer): Promise<string> {
  await rm(repo.dir, { recursive: true, force: true });
  await rm(repo.gitDir, { recursive: true, force: true });
  await mkdir(repo.dir, { recursive: true });
  await mkdir(repo.gitDir, { recursive: true });
  await git(repo, ['init', '--quiet']);
  await withTemporaryFile(async (file) => {
    await writeFile(file, bundle);
    await git(repo, ['fetch', '--quiet', '--update-head-ok', file, '+refs/heads/main:refs/heads/main']);
  });
  await git(repo, ['read-tree', '-u', '--reset', 'HEAD']);
  return (await git(repo, ['rev-parse', 'HEAD'])).trim();
}

/**
 * The tree as it is on disk now (every file but what .gitignore leaves out). When it differs from
 * `have` (the tree the web last took), also a bundle of one commit holding it, whose parent is
 * this clone's HEAD (the commit the web sent: it has it).
 */
export async function snapshotTree(repo: Repo, have: string | null): Promise<{ tree: string; bundle: Buffer | null }> {
  await git(repo, ['add', '--all']);
  const tree = (await git(repo, ['write-tree'])).trim();
  if (tree === have) return { tree, bundle: null };
  const commit = (await git(repo, ['commit-tree', tree, '-p', 'HEAD', '-m', 'editor sync'])).trim();
  await git(repo, ['update-ref', SYNC_REF, commit]);
  const bundle = await withTemporaryFile(async (file) => {
    await git(repo, ['bundle', 'create', '--quiet', file, SYNC_REF, '^HEAD']);
    return readFile(file);
  });
  return { tree, bundle };
}

/** Checks out in `repo` the tree a snapshotTree bundle carries (HEAD stays); returns the tree id. */
export async function applyTreeBundle(repo: Repo, bundle: Buffer, expectedTree: string): Promise<string> {
  await withTemporaryFile(async (file) => {
    await writeFile(file, bundle);
    await git(repo, ['fetch', '--quiet', file, `+${SYNC_REF}:${SYNC_REF}`]);
  });
  const tree = (await git(repo, ['rev-parse', `${SYNC_REF}^{tree}`])).trim();
  if (tree !== expectedTree) throw new Error(`the bundle holds tree ${tree}, the host said ${expectedTree}`);
  await git(repo, ['read-tree', '-u', '--reset', SYNC_REF]);
  return tree;
}
