// The web's side of the developer-mode host agents (devmode/agent.ts): every request is signed
// with the shared secret (agent-auth.ts), afresh for each call — the agent takes a signature once,
// so a retry must call again, never resend the same headers. The agents' answers are JSON, or a git bundle with the
// facts in a header.
import { AGENT_AUTH_HEADER, AGENT_META_HEADER, decodeMeta, encodeMeta, signAgentRequest } from './agent-auth.ts';
import type { SessionLimits } from './limits.ts';

export interface AgentTarget {
  name: string;
  address: string;
}

/** What the agent answered when it was not 2xx (code: an agent's own error code, e.g. NO_IMAGE). */
export class AgentRequestError extends Error {
  constructor(
    readonly agent: string,
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

export interface StartRequest {
  tenantId: string;
  siteId: string;
  limits: SessionLimits;
  startTimeoutMs: number;
}

export interface StartAnswer {
  containerId: string;
  socketPath: string;
  tree: string;
}

export interface SyncAnswer {
  /** false: the container is gone; null: the Docker engine did not answer. */
  running: boolean | null;
  /** null when the agent holds no clone for the session (it never started there, or was cleaned). */
  tree: string | null;
  memoryBytes: number | null;
  /** A Publish command the editor asked for since the last sync (the agent has claimed it). */
  publishRequestId: string | null;
  bundle: Buffer | null;
}

export interface PublishStatus {
  requestId: string;
  state: string;
  buildId?: string;
  message: string;
}

async function call(secret: string, agent: AgentTarget, method: string, pathWithQuery: string, opts: { meta?: unknown; body?: Buffer; timeoutMs: number }) {
  const meta = opts.meta === undefined ? '' : encodeMeta(opts.meta);
  const headers: Record<string, string> = { [AGENT_AUTH_HEADER]: signAgentRequest(secret, agent.address, method, pathWithQuery, meta) };
  if (meta) headers[AGENT_META_HEADER] = meta;
  if (opts.body) headers['content-type'] = 'application/octet-stream';
  let response: Response;
  try {
    response = await fetch(`${agent.address}${pathWithQuery}`, { method, headers, body: opts.body ? new Uint8Array(opts.body) : undefined, signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (error) {
    throw new AgentRequestError(agent.name, 0, 'UNREACHABLE', `the devmode agent ${agent.name} (${agent.address}) did not answer ${method} ${pathWithQuery}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    let parsed: { code?: string; message?: string } = {};
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      parsed = { message: body.toString('utf8').slice(0, 500) };
    }
    throw new AgentRequestError(agent.name, response.status, parsed.code ?? null, parsed.message ?? `${method} ${pathWithQuery} answered ${response.status}`);
  }
  return { response, body };
}

const sessionPath = (sessionId: string) => `/v1/sessions/${encodeURIComponent(sessionId)}`;

export async function startOnAgent(secret: string, agent: AgentTarget, sessionId: string, request: StartRequest, bundle: Buffer): Promise<StartAnswer> {
  const { body } = await call(secret, agent, 'POST', `${sessionPath(sessionId)}/start`, { meta: request, body: bundle, timeoutMs: request.startTimeoutMs + 30_000 });
  return JSON.parse(body.toString('utf8')) as StartAnswer;
}

function syncAnswer(response: Response, body: Buffer): SyncAnswer {
  const facts = decodeMeta<Omit<SyncAnswer, 'bundle'>>(response.headers.get(AGENT_META_HEADER) ?? undefined);
  if (!facts) throw new Error('the devmode agent answered a sync without its facts');
  return { ...facts, bundle: body.length ? body : null };
}

/** The session's tree when it changed since `have`, whether its container runs, its memory, a Publish request. */
export async function syncFromAgent(secret: string, agent: AgentTarget, sessionId: string, have: string | null): Promise<SyncAnswer> {
  const { response, body } = await call(secret, agent, 'POST', `${sessionPath(sessionId)}/sync`, { meta: { have }, timeoutMs: 30_000 });
  return syncAnswer(response, body);
}

/** Stops the session's container; answers its last tree (the clone stays until forgetOnAgent). */
export async function stopOnAgent(secret: string, agent: AgentTarget, sessionId: string, have: string | null): Promise<SyncAnswer> {
  const { response, body } = await call(secret, agent, 'POST', `${sessionPath(sessionId)}/stop`, { meta: { have }, timeoutMs: 60_000 });
  return syncAnswer(response, body);
}

/** Removes what the agent keeps for a session that is over (its folders and its clone of the workspace). */
export async function forgetOnAgent(secret: string, agent: AgentTarget, sessionId: string): Promise<void> {
  await call(secret, agent, 'DELETE', sessionPath(sessionId), { timeoutMs: 30_000 });
}

/** Writes the outcome of a Publish command where the editor reads it. */
export async function publishStatusToAgent(secret: string, agent: AgentTarget, sessionId: string, status: PublishStatus): Promise<void> {
  await call(secret, agent, 'POST', `${sessionPath(sessionId)}/publish-status`, { meta: status, timeoutMs: 10_000 });
}

/** The path under an agent that reaches a session's code-server (HTTP and WebSockets). */
export function agentProxyPrefix(sessionId: string): string {
  return `${sessionPath(sessionId)}/proxy`;
}
