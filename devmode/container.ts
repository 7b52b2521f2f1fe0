// An editor session's container on a host, as the developer-mode agent of that host runs it
// (devmode/agent.ts): one container of the code-server image per session with no network, a
// read-only root, memory / CPU / pids limits from the plan, and three host folders: the agent's
// clone of the workspace (/workspace), the session folder (/run/windwalker: code-server's unix
// socket and the Publish command's request file) and the site's editor state on that host
// (/home/coder: settings, extension state). code-server runs with auth none — the only way in is
// the web app's authenticated proxy through the agent — and with telemetry, update checks, the
// built-in AI chat and the workspace-trust prompt turned off.
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Sql } from '../db/index.ts';
import { EDITOR_GID, EDITOR_UID } from './image.ts';

export const SESSION_CONTAINER_LABEL = 'windwalker.devmode.session';
/**
 * Which installation (database, host name, data folder) a container belongs to: several (test
 * runs, a bench platform) may share one Docker engine, and each cleans up only its own.
 */
export const SESSION_SCOPE_LABEL = 'windwalker.devmode.scope';

const databases = new WeakMap<Sql, Promise<string>>();
export function sessionScope(host: { sql: Sql; dataDir: string; hostName: string }): Promise<string> {
  const rt = host;
  let database = databases.get(rt.sql);
  if (!database) {
    database = rt.sql<{ db: string }[]>`select current_database() as db`.then(([row]) => row.db);
    databases.set(rt.sql, database);
    database.catch(() => databases.delete(rt.sql));
  }
  return database.then((db) => `${db}@${rt.hostName}:${path.resolve(rt.dataDir)}`);
}
export const SOCKET_NAME = 'code-server.sock';
export const SESSION_DIR_IN_CONTAINER = '/run/windwalker';

export function sessionDir(dataDir: string, sessionId: string): string {
  return path.join(dataDir, 'devmode', 'sessions', sessionId);
}

export function stateDir(dataDir: string, siteId: string): string {
  return path.join(dataDir, 'devmode', 'state', siteId);
}

/** The editor's settings: no telemetry, no update checks, no AI chat, no trust prompt, Korean-friendly defaults. */
export const EDITOR_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'workbench.startupEditor': 'none',
  // The secondary side bar only holds the chat view, which is off.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'chat.agent.enabled': false,
  'github.copilot.enable': { '*': false },
  'npm.fetchOnlinePackageInfo': false,
  'git.enabled': false,
  'files.autoSave': 'afterDelay',
  'files.autoSaveDelay': 1000,
};

/** A unix socket's address holds at most 107 bytes; a longer socket path is reached through a short link. */
const SOCKET_PATH_MAX = 100;
const SHORT_LINK_PREFIX = 'ww-devmode-';

/**
 * The path the web process connects to for a session folder's socket: the socket itself, or — when
 * DATA_DIR is deep enough to make that too long to connect to — a link to the folder in a fresh
 * private temporary folder (mkdtemp: mode 700, a name no one else can take first).
 */
export async function reachableSocketPath(sessionFolder: string): Promise<string> {
  const direct = path.join(sessionFolder, SOCKET_NAME);
  if (Buffer.byteLength(direct) <= SOCKET_PATH_MAX) return direct;
  const linkFolder = await mkdtemp(path.join(os.tmpdir(), SHORT_LINK_PREFIX));
  await symlink(sessionFolder, path.join(linkFolder, 's'));
  const linked = path.join(linkFolder, 's', SOCKET_NAME);
  if (Buffer.byteLength(linked) > SOCKET_PATH_MAX) {
    throw new Error(`the editor's socket path is too long to connect to (${direct}, and ${linked} through the temporary folder): use a shorter DATA_DIR or TMPDIR`);
  }
  return linked;
}

/** Removes the short link a socket path went through, if it did. */
export async function removeShortLink(socketPath: string | null): Promise<void> {
  if (!socketPath || !socketPath.startsWith(path.join(os.tmpdir(), SHORT_LINK_PREFIX))) return;
  await rm(path.dirname(path.dirname(socketPath)), { recursive: true, force: true }).catch(() => {});
}

/** code-server's command line in the container. */
export function codeServerArguments(): string[] {
  return [
    '--auth', 'none',
    '--socket', `${SESSION_DIR_IN_CONTAINER}/${SOCKET_NAME}`,
    '--socket-mode', '600',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--user-data-dir', '/home/coder/data',
    '--extensions-dir', '/home/coder/extensions',
    '/workspace',
  ];
}

/** GET a path from code-server over its unix socket. */
export function requestOverSocket(socketPath: string, urlPath: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, method: 'GET', headers: { Host: 'localhost' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function prepareFolders(rt: { dataDir: string }, sessionId: string, siteId: string): Promise<{ session: string; state: string }> {
  const session = sessionDir(rt.dataDir, sessionId);
  const state = stateDir(rt.dataDir, siteId);
  await rm(session, { recursive: true, force: true });
  await mkdir(session, { recursive: true });
  await mkdir(path.join(state, 'data', 'User'), { recursive: true });
  await mkdir(path.join(state, 'data', 'Machine'), { recursive: true });
  await mkdir(path.join(state, 'extensions'), { recursive: true });
  const settings = `${JSON.stringify(EDITOR_SETTINGS, null, 2)}\n`;
  await writeFile(path.join(state, 'data', 'Machine', 'settings.json'), settings);
  const userSettings = path.join(state, 'data', 'User', 'settings.json');
  if (!existsSync(userSettings)) await writeFile(userSettings, settings);
  // Only the editor's user (and root on the host) may reach the socket and the state.
  if (process.getuid?.() === 0) {
    for (const dir of [session, state, path.join(state, 'data'), path.join(state, 'data', 'User'), path.join(state, 'data', 'Machine'), path.join(state, 'extensions')]) {
      await chown(dir, EDITOR_UID, EDITOR_GID);
    }
    await chown(userSettings, EDITOR_UID, EDITOR_GID);
    await chown(path.join(state, 'data', 'Machine', 'settings.json'), EDITOR_UID, EDITOR_GID);
  }
  await chmod(session, 0o700);
  return { session, state };
}

/** Memory in use by a session's container right now (docker stats), or null. */
export async function sessionMemoryBytes(docker: Docker, containerId: string): Promise<number | null> {
  const stats = (await docker.getContainer(containerId).stats({ stream: false }).catch(() => null)) as { memory_stats?: { usage?: number; stats?: { inactive_file?: number } } } | null;
  const usage = stats?.memory_stats?.usage;
  if (!usage) return null;
  return usage - (stats?.memory_stats?.stats?.inactive_file ?? 0);
}
