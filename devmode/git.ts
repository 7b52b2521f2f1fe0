// git for a site's source workspace, run as a command on the host. The repository lives outside
// the folder the editor sees (<DATA_DIR>/devmode/repos/<site id>.git), so nothing done inside the
// container can rewrite or delete the history. The working tree belongs to the editor's user
// (uid 1000) while this process may run as root, so every call trusts it explicitly
// (safe.directory on the command line) instead of changing git's global configuration.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitAuthor {
  name: string;
  email: string;
}

const PLATFORM_AUTHOR: GitAuthor = { name: 'WindWalker', email: 'devmode@windwalker.invalid' };

export interface Repo {
  /** the working tree (mounted into the editor's container) */
  dir: string;
  /** the repository, outside the working tree */
  gitDir: string;
}

export async function git(repo: Repo, args: string[], opts: { author?: GitAuthor } = {}): Promise<string> {
  const { dir } = repo;
  const author = opts.author ?? PLATFORM_AUTHOR;
  try {
    const { stdout } = await run('git', ['-c', 'safe.directory=*', '-c', 'core.quotePath=false', '-c', 'init.defaultBranch=main', ...args], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: repo.gitDir,
        GIT_DIR: repo.gitDir,
        GIT_WORK_TREE: dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: PLATFORM_AUTHOR.name,
        GIT_COMMITTER_EMAIL: PLATFORM_AUTHOR.email,
        LC_ALL: 'C.UTF-8',
      } as unknown as NodeJS.ProcessEnv,
      encoding: 'utf8',
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`git ${args.join(' ')} failed in ${dir}: ${(e.stderr ?? '').trim() || e.message}`, { cause: error });
  }
}

/** Commits everything in the tree (new, changed, deleted files); null when nothing changed. */
export async function commitAll(dir: Repo, message: string, author?: GitAuthor): Promise<string | null> {
  await git(dir, ['add', '--all']);
  const status = await git(dir, ['status', '--porcelain']);
  if (!status.trim()) return null;
  await git(dir, ['commit', '--quiet', '--no-verify', '-m', message], { author });
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
}

export async function headCommit(dir: Repo): Promise<string> {
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
}
