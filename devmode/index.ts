// devmode/: developer mode — a site's source workspace (git, in our storage), editor sessions
// in containers of the locally built code-server image on the worker hosts (each runs a host
// agent: agent.ts, started by agent-process.ts), publish from code through the build queue, and
// the supervisor that stops idle sessions. The web app's reverse proxy to a session, through its
// host's agent, is web/server/devmode-proxy.ts.
import os from 'node:os';
import type { Env } from '../config/index.ts';
import type { Sql } from '../db/index.ts';
import { agentSecret } from './agent-auth.ts';
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
  syncSession,
  chooseAgent,
  getOpenSession,
  getSession,
  listSessions,
  touchSessions,
  assertPlanAllowsDevmode,
  AGENT_LIVE_SECONDS,
  AGENT_DEAD_SECONDS,
  type DevmodeRuntime,
  type EditorSession,
  type OpenSessionResult,
  type SessionStatus,
} from './sessions.ts';
export {
  requestOverSocket,
  sessionMemoryBytes,
  codeServerArguments,
  sessionDir,
  EDITOR_SETTINGS,
  SESSION_CONTAINER_LABEL,
  SESSION_SCOPE_LABEL,
  sessionScope,
} from './container.ts';
export { startDevmodeAgent, readHostMemory, type DevmodeAgent, type DevmodeAgentOptions, type HostMemory } from './agent.ts';
export { agentProxyPrefix, AgentRequestError, type AgentTarget } from './agent-client.ts';
export { AGENT_AUTH_HEADER, agentSecret, signAgentRequest, verifyAgentRequest } from './agent-auth.ts';
export { publishFromSource, type SourcePublishResult } from './publish.ts';
export { startDevmodeSupervisor, type DevmodeSupervisor } from './supervisor.ts';

/** The web's runtime the environment configures: this host and the secret it signs agent requests with. */
export function devmodeRuntimeFromEnv(sql: Sql, env: Env): DevmodeRuntime {
  return {
    sql,
    dataDir: env.dataDir,
    installDir: env.devmodeInstallDir,
    hostName: os.hostname(),
    // Production without DEVMODE_AGENT_SECRET: the web runs, and opening an editor says what is missing.
    agentSecret: env.DEVMODE_AGENT_SECRET || env.NODE_ENV !== 'production' ? agentSecret(env) : '',
    idleSeconds: env.DEVMODE_IDLE_MINUTES * 60,
  };
}
