// The only way into a developer-mode editor: /sites/<site id>/code/editor/… is proxied, HTTP
// and WebSockets, to the code-server of the site's running session, through the developer-mode
// agent of the host the session was placed on (devmode/agent.ts; it forwards to the container's
// unix socket). code-server itself runs with auth none. Every request is checked against the
// owner's own web session first: logged in, the site belongs to the active workspace (another
// workspace's member gets 404, as everywhere in the app), an editor or owner there, on a plan
// with developer mode, and a running session. Each request to the agent carries an HMAC
// signature of its method, path and a fresh random nonce made with the secret the web and the
// agents share (decision 145); the agent refuses any other, and a signature it has taken once.
//
// http-proxy (1.18.1) does the proxying: it is the library code-server itself uses for its
// port proxy, handles WebSocket upgrades (proxy.ws) and unix-socket targets (target.socketPath)
// without extra code, and has no dependencies beyond eventemitter3/follow-redirects/requires-port.
// What it does not do — who may pass — is this module.
//
// The workbench loads ~100 files and opens two WebSockets in its first seconds, so the answer to
// "may this cookie use this site's editor" is reused for GRANT_TTL_MS, decided once for all the
// requests that arrive together (one lookup in flight per cookie and site), with the site, plan
// and session read in one transaction; and the connections to the agents are kept alive between
// requests (http-proxy closes each one unless it is given an agent).
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import httpProxy from 'http-proxy';
import type PgBoss from 'pg-boss';
import { env } from '../../config/env.ts';
import { withTenant, isUuid, type Sql } from '../../db/index.ts';
import {
  AGENT_AUTH_HEADER,
  agentProxyPrefix,
  assertPlanAllowsDevmode,
  DevmodeError,
  signAgentRequest,
  devmodeRuntimeFromEnv,
  startDevmodeSupervisor,
  touchSessions,
  type DevmodeRuntime,
  type DevmodeSupervisor,
} from '../../devmode/index.ts';
import { getActiveMembership } from '../app/auth.server.ts';
import { webRuntime } from '../app/runtime.server.ts';

const EDITOR_PATH = /^\/sites\/([^/]+)\/code\/editor(\/.*)?$/;
const SESSION_COOKIE = 'ww_session';
/**
 * How long one answer to "may this cookie use this site's editor" is reused. The workbench's
 * first load spans several seconds; a role taken away is refused on new requests after this.
 */
const GRANT_TTL_MS = 15_000;
const ACTIVITY_FLUSH_MS = 10_000;

type Grant =
  | { ok: true; tenantId: string; sessionId: string; agentAddress: string }
  | { ok: false; status: number; message: string; location?: string };

export interface DevmodeProxy {
  /** express middleware: answers /sites/<id>/code/editor/… and passes everything else on. */
  handle(req: ExpressRequest, res: ExpressResponse, next: NextFunction): void;
  /** Takes the WebSocket upgrades of editor paths on this server. */
  attach(server: Server): void;
  runtime: DevmodeRuntime;
  supervisor: DevmodeSupervisor | null;
  close(): Promise<void>;
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
}

/** The Cookie header without our own session cookie: the editor never sees it. */
function withoutSessionCookie(header: string | undefined): string {
  return (header ?? '')
    .split(';')
    .filter((part) => part.split('=')[0].trim() !== SESSION_COOKIE && part.trim() !== '')
    .join(';')
    .trim();
}

export function startDevmodeProxy(opts: { sql: Sql; boss: () => Promise<PgBoss>; runtime?: DevmodeRuntime; supervise?: boolean }): DevmodeProxy {
  const runtime = opts.runtime ?? devmodeRuntimeFromEnv(opts.sql, env());
  const grants = new Map<string, { grant: Grant; expires: number }>();
  const deciding = new Map<string, Promise<Grant>>();
  /** Requests let through on a grant decided before they came (see 'proxyRes'). */
  const onCachedGrant = new WeakSet<IncomingMessage>();
  // Kept-alive connections to the host agents (pooled per agent address). An idle one is closed
  // after 4 s, before the agent's own 5 s (Node's default keepAliveTimeout) could close it under
  // a request being sent; a socket in use is never timed out by the pool.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, timeout: 4_000 });
  const touched = new Map<string, string>(); // session id → tenant id
  const openSockets = new Set<Duplex>();

  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: true, proxyTimeout: 0, agent });
  /** The address of the agent each proxied request goes to (signed: a signature is good for that agent only). */
  const agentOf = new WeakMap<IncomingMessage, string>();
  const prepare = (proxyReq: http.ClientRequest, req: IncomingMessage) => {
    const cookie = withoutSessionCookie(proxyReq.getHeader('cookie') as string | undefined);
    if (cookie) proxyReq.setHeader('cookie', cookie);
    else proxyReq.removeHeader('cookie');
    // The agent forwards only what the web signed: this method and this path, to that agent,
    // once (a new nonce for every request and upgrade; nothing here resends a signed request).
    proxyReq.setHeader(AGENT_AUTH_HEADER, signAgentRequest(runtime.agentSecret, agentOf.get(req) ?? '', proxyReq.method, proxyReq.path));
  };
  proxy.on('proxyReq', prepare);
  proxy.on('proxyReqWs', prepare);
  proxy.on('proxyRes', (proxyRes, req) => {
    // The agent no longer has the session a grant named (the editor was closed and reopened
    // within the grant's life): decide again, and send a request made on the old grant back to
    // the same address (307), which then reaches the new session. A request decided just now
    // gets the agent's answer as it is (no loop).
    if (proxyRes.headers['x-windwalker-session'] !== 'gone') return;
    const originalUrl = (req as ExpressRequest).originalUrl ?? req.url ?? '/';
    const siteId = EDITOR_PATH.exec(new URL(originalUrl, 'http://web.internal').pathname)?.[1];
    if (siteId) grants.delete(grantKey(req, siteId));
    if (siteId && onCachedGrant.has(req)) {
      proxyRes.statusCode = 307;
      proxyRes.headers.location = originalUrl;
      proxyRes.headers['cache-control'] = 'no-store';
    }
  });
  proxy.on('error', (error, req, target) => {
    const res = target as ServerResponse | Duplex;
    // The agent a grant named did not answer (its host's agent restarted on another address, or
    // the host died): decide again; a request on an older grant is sent back once to try that.
    const originalUrl = (req as ExpressRequest).originalUrl ?? req.url ?? '/';
    const siteId = EDITOR_PATH.exec(new URL(originalUrl, 'http://web.internal').pathname)?.[1];
    if (siteId) grants.delete(grantKey(req, siteId));
    if ('writeHead' in res && typeof res.writeHead === 'function') {
      const response = res as ServerResponse;
      if (!response.headersSent && siteId && onCachedGrant.has(req)) {
        response.writeHead(307, { Location: originalUrl, 'Cache-Control': 'no-store' });
        response.end();
      } else if (!response.headersSent) {
        response.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        response.end('코드 편집기가 응답하지 않습니다. 코드 편집기 페이지에서 편집기를 다시 열어 주세요.');
      } else {
        response.destroy(error);
      }
    } else {
      (res as Duplex).destroy();
    }
  });

  const flushTimer = setInterval(() => {
    if (touched.size === 0) return;
    const batch = [...touched].map(([sessionId, tenantId]) => ({ sessionId, tenantId }));
    touched.clear();
    touchSessions(opts.sql, batch).catch((error) => console.error(`[devmode] could not record editor activity: ${(error as Error).message}`));
  }, ACTIVITY_FLUSH_MS);
  flushTimer.unref();

  const decide = async (req: IncomingMessage, siteId: string): Promise<Grant> => {
    const notFound: Grant = { ok: false, status: 404, message: '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.' };
    if (!isUuid(siteId)) return notFound;
    const request = new Request(new URL(req.url ?? '/', 'http://web.internal'), { headers: { cookie: req.headers.cookie ?? '' } });
    const active = await getActiveMembership(request);
    if (!active) {
      const back = `/sites/${siteId}/code`;
      return { ok: false, status: 401, message: '로그인이 필요합니다.', location: `/login?redirectTo=${encodeURIComponent(back)}` };
    }
    const membership = active.membership;
    if (!membership) return notFound;
    const tenantId = membership.tenant.id;
    // The site, the workspace's plan, its running session and that session's host agent in one transaction.
    const [site] = await withTenant(opts.sql, tenantId, (tx) => tx<{ plan_code: string; devmode: boolean | null; session_id: string | null; agent_address: string | null }[]>`
      select t.plan_code, p.devmode, ds.id as session_id, h.address as agent_address
      from sites s
      join tenants t on t.id = s.tenant_id
      left join plans p on p.code = t.plan_code
      left join devmode_sessions ds on ds.site_id = s.id and ds.status = 'running'
      left join devmode_agent_hosts() h on h.name = ds.host
      where s.id = ${siteId}`);
    if (!site) return notFound;
    if (membership.tenant.status === 'suspended') return { ok: false, status: 403, message: `'${membership.tenant.name}' 워크스페이스는 정지되었습니다. 고객센터에 문의해 주세요.` };
    if (membership.role === 'viewer') return { ok: false, status: 403, message: '코드 편집기는 편집자 이상의 권한이 있어야 열 수 있습니다. 워크스페이스 소유자에게 권한을 요청해 주세요.' };
    if (!site.devmode) {
      // The refusal in the same words as everywhere else (it names the plan).
      try {
        await assertPlanAllowsDevmode(opts.sql, tenantId);
      } catch (error) {
        if (error instanceof DevmodeError) return { ok: false, status: 403, message: error.message };
        throw error;
      }
    }
    if (!site.session_id || !site.agent_address) {
      return { ok: false, status: 409, message: '열린 코드 편집기가 없습니다. 코드 편집기 페이지에서 편집기를 열어 주세요.', location: `/sites/${siteId}/code` };
    }
    return { ok: true, tenantId, sessionId: site.session_id, agentAddress: site.agent_address };
  };

  const grantKey = (req: IncomingMessage, siteId: string) => `${cookieValue(req.headers.cookie, SESSION_COOKIE) ?? ''}|${siteId}`;

  /** fresh: decide again even with a live grant (the workbench's page: the first request of an open). */
  const authorise = async (req: IncomingMessage, siteId: string, fresh = false): Promise<Grant> => {
    const key = grantKey(req, siteId);
    const cached = grants.get(key);
    if (!fresh && cached && cached.expires > Date.now() && cached.grant.ok) {
      onCachedGrant.add(req);
      return cached.grant;
    }
    // The requests that arrive together wait for one decision.
    const inFlight = deciding.get(key);
    if (inFlight) return inFlight;
    const decision = webRuntime()
      .requestScope.run({ clientIp: req.socket.remoteAddress ?? 'unknown', appendSetCookie: () => {} }, () => decide(req, siteId))
      .then((grant) => {
        // Only grants are reused; a refusal is decided again on the next request.
        if (grant.ok) grants.set(key, { grant, expires: Date.now() + GRANT_TTL_MS });
        else grants.delete(key);
        if (grants.size > 10_000) grants.clear();
        return grant;
      })
      .finally(() => deciding.delete(key));
    deciding.set(key, decision);
    return decision;
  };

  const handle = (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    const match = EDITOR_PATH.exec(req.path);
    if (!match) return next();
    const siteId = match[1];
    if (match[2] === undefined) {
      // The workbench resolves its files relative to the folder: it needs the trailing slash.
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      return res.redirect(302, `/sites/${siteId}/code/editor/${query}`);
    }
    // The workbench's page starts every open of the editor: decided afresh, so an editor closed
    // and opened again within a grant's life reaches its new session at once (a cached grant
    // still named the old one: the agent answered gone, and the browser took a 307 and a second
    // decision before its first byte).
    const page = req.method === 'GET' && match[2] === '/';
    authorise(req, siteId, page)
      .then((grant) => {
        if (!grant.ok) {
          res.set('Cache-Control', 'no-store');
          if (grant.location && req.method === 'GET' && (grant.status === 401 || grant.status === 409)) return res.redirect(302, grant.location);
          return res.status(grant.status).type('text/plain; charset=utf-8').send(grant.message);
        }
        touched.set(grant.sessionId, grant.tenantId);
        const prefix = `/sites/${siteId}/code/editor`;
        req.url = req.originalUrl.slice(prefix.length) || '/';
        agentOf.set(req, grant.agentAddress);
        proxy.web(req, res, { target: `${grant.agentAddress}${agentProxyPrefix(grant.sessionId)}` });
      })
      .catch(next);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://web.internal');
    const match = EDITOR_PATH.exec(url.pathname);
    if (!match) return;
    const refuse = (status: number, message: string) => {
      socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${message}`);
    };
    // A page on another site must not open an editor socket with the owner's cookie.
    const origin = req.headers.origin;
    if (!origin || new URL(origin).host !== req.headers.host) return refuse(403, '다른 사이트에서 연 연결은 받지 않습니다.');
    const siteId = match[1];
    authorise(req, siteId)
      .then((grant) => {
        if (!grant.ok) return refuse(grant.status === 409 ? 404 : grant.status, grant.message);
        touched.set(grant.sessionId, grant.tenantId);
        openSockets.add(socket);
        socket.on('close', () => openSockets.delete(socket));
        // Traffic on an open editor keeps the session from counting as idle.
        socket.on('data', () => touched.set(grant.sessionId, grant.tenantId));
        req.url = (req.url ?? '/').slice(`/sites/${siteId}/code/editor`.length) || '/';
        agentOf.set(req, grant.agentAddress);
        proxy.ws(req, socket, head, { target: `${grant.agentAddress}${agentProxyPrefix(grant.sessionId)}` });
      })
      .catch((error) => {
        console.error(`[devmode] editor socket refused after an error: ${(error as Error).message}`);
        refuse(403, '코드 편집기에 연결하지 못했습니다.');
      });
  };

  const supervisor = opts.supervise === false ? null : startDevmodeSupervisor(runtime, { boss: opts.boss });
  const servers: Server[] = [];

  return {
    handle,
    runtime,
    supervisor,
    attach(server) {
      server.on('upgrade', onUpgrade);
      servers.push(server);
    },
    async close() {
      clearInterval(flushTimer);
      for (const server of servers) server.off('upgrade', onUpgrade);
      for (const socket of openSockets) socket.destroy();
      proxy.close();
      agent.destroy();
      await supervisor?.stop();
      if (touched.size) {
        await touchSessions(opts.sql, [...touched].map(([sessionId, tenantId]) => ({ sessionId, tenantId }))).catch(() => {});
      }
    },
  };
}
