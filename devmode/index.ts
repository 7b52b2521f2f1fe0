// devmode/: developer mode — a site's source workspace (git, in our storage), editor sessions
// in containers of the locally built code-server image, publish from code through the build
// queue, and the supervisor that stops idle sessions. The web app's reverse proxy to a
// session's socket is web/server/devmode-proxy.ts.
import os from 'node:os';
import Docker from 'dockerode';
import type { Env } from '../config/index.ts';
import type { Sql } from '../db/index.ts';
import { proxmoxClientFromEnv } from '../proxmox/index.ts';
import type { DevmodeRuntime } from './sessions.ts';

export { DevmodeError, type DevmodeErrorCode } from './errors.ts';
export { sessionLimitsForPlan, type SessionLimits } from './limits.ts';
export {
  CODE_SERVER_VERSION,
  DEVMODE_IMAGE_REPOSITORY,
  devmodeImageExists,
  devmodeImageTag,
  ensureDevmodeImage,
  locateInstall,
} from './image.ts';
export {
  createSourceWorkspace,
  getWorkspace,
  saveWorkspace,
  listSaves,
  changesSinceBuilder,
  restoreSave,
  discardWorkspace,
  readSourceFiles,
  workspaceDir,
  MANIFEST_FILE,
  type WorkspaceRecord,
  type WorkspaceSave,
  type LostChange,
} from './workspace.ts';
export {
  openSession,
  stopSession,
  getOpenSession,
  getSession,
  listSessions,
  touchSessions,
  assertPlanAllowsDevmode,
  requestOverSocket,
  sessionMemoryBytes,
  codeServerArguments,
  EDITOR_SETTINGS,
  SESSION_CONTAINER_LABEL,
  SESSION_SCOPE_LABEL,
  sessionScope,
  type DevmodeRuntime,
  type EditorSession,
  type OpenSessionResult,
  type SessionStatus,
} from './sessions.ts';
export { publishFromSource, type SourcePublishResult } from './publish.ts';
export { startDevmodeSupervisor, type DevmodeSupervisor } from './supervisor.ts';

/** The runtime the environment configures: this host, its Docker engine, Proxmox when set. */
export function devmodeRuntimeFromEnv(sql: Sql, env: Env): DevmodeRuntime {
  return {
    sql,
    dataDir: env.dataDir,
    installDir: env.devmodeInstallDir,
    hostName: os.hostname(),
    docker: new Docker(),
    proxmox: proxmoxClientFromEnv(env),
    idleSeconds: env.DEVMODE_IDLE_MINUTES * 60,
  };
}
