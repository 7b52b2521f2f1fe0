// /api/v1 as an express router in the web process (mounted before the Origin check and the
// Remix handler: no React, no session lookup — see docs/decisions/110-public-api.md).
// A call: Bearer key → authenticated, rate-limited and metered: from memory plus one journal
// line when this process confirmed the key within the last second (metering.server.ts), else one
// SQL statement (keys.server.ts)
// → scope → path, query and body validated by the operation's zod schemas → Idempotency-Key
// for POSTs → the handler. Session cookies are never read here, so a browser cannot be tricked
// into calling the API with its owner's session (CSRF); the key is only ever sent on purpose.
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type PgBoss from 'pg-boss';
import type { z } from 'zod';
import { env } from '../../../config/env.ts';
import { withTenant, type Sql } from '../../../db/index.ts';
import { ApiError, validationError } from './errors.server.ts';
import { authenticateApiCall, type AuthenticatedKey } from './keys.server.ts';
import { ApiMeter } from './metering.server.ts';
import { buildOpenApiDocument } from './openapi.server.ts';
import { startWebhookDispatcher } from './webhooks.server.ts';
import { emptyQuery } from './schemas.server.ts';
import { operations, type ApiContext, type ApiOperation, type ApiResult } from './routes.server.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export interface PublicApiOptions {
  sql: Sql;
  boss: () => Promise<PgBoss>;
  /** Called after a call is answered (tests, logs). */
  log?: (line: string) => void;
  /** Admits recently confirmed keys from memory with a journal; without it every call is one SQL statement. */
  meter?: ApiMeter;
}

function sendError(res: Response, error: ApiError) {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(error.status).set('Cache-Control', 'no-store').json(error.toBody());
}

function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function parseWith<T extends z.AnyZodObject>(schema: T | undefined, value: unknown, where: 'body' | 'query' | null): Record<string, unknown> {
  if (!schema) return {};
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw validationError(parsed.error, where);
  return parsed.data as Record<string, unknown>;
}

function readBody(req: Request): { raw: Buffer; json: unknown } {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (raw.length === 0) return { raw, json: {} };
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', '요청 본문은 JSON(Content-Type: application/json)으로 보내 주세요.', 'Send the body as JSON (Content-Type: application/json).', 'body');
  }
  try {
    return { raw, json: JSON.parse(raw.toString('utf8')) };
  } catch (cause) {
    throw new ApiError(400, 'malformed_json', `요청 본문이 올바른 JSON이 아닙니다: ${(cause as Error).message}`, `The body is not valid JSON: ${(cause as Error).message}`, 'body');
  }
}

function rateHeaders(res: Response, key: AuthenticatedKey) {
  res.set({
    'RateLimit-Limit': String(key.rate.limit),
    'RateLimit-Remaining': String(key.rate.remaining),
    'RateLimit-Reset': String(key.rate.resetSeconds),
  });
}

/** Stored answer for a replayed POST, or null when this call should run (and store its answer). */
async function claimIdempotencyKey(
  sql: Sql,
  key: AuthenticatedKey,
  input: { idempotencyKey: string; route: string; bodySha256: string },
): Promise<{ status: number; body: unknown } | null> {
  return withTenant(sql, key.tenantId, async (tx) => {
    // Keys older than a day are forgotten; one call in a hundred sweeps them.
    if (Math.random() < 0.01) await tx`delete from api_idempotency where created_at < now() - interval '24 hours'`;
    const claimed = await tx`
      insert into api_idempotency (tenant_id, key_id, idempotency_key, route, body_sha256)
      values (${key.tenantId}, ${key.keyId}, ${input.idempotencyKey}, ${input.route}, ${input.bodySha256})
      on conflict (key_id, idempotency_key, route) do nothing`;
    if (claimed.count === 1) return null;
    const [stored] = await tx<{ body_sha256: string; status: number | null; response: unknown }[]>`
      select body_sha256, status, response from api_idempotency
      where key_id = ${key.keyId} and idempotency_key = ${input.idempotencyKey} and route = ${input.route}`;
    if (stored.body_sha256 !== input.bodySha256) {
      throw new ApiError(422, 'idempotency_key_reused', '같은 Idempotency-Key를 다른 요청 본문에 썼습니다. 새 요청에는 새 키를 써 주세요.', 'This Idempotency-Key was used with a different body. Use a new key for a new request.', 'Idempotency-Key');
    }
    if (stored.status === null) {
      throw new ApiError(409, 'idempotency_in_progress', '같은 Idempotency-Key의 요청을 아직 처리하는 중입니다. 잠시 뒤 다시 보내 주세요.', 'A request with this Idempotency-Key is still being processed. Retry shortly.', 'Idempotency-Key');
    }
    return { status: stored.status, body: stored.response };
  });
}

async function storeIdempotentAnswer(sql: Sql, key: AuthenticatedKey, idempotencyKey: string, route: string, answer: { status: number; body?: unknown } | null) {
  await withTenant(sql, key.tenantId, (tx) => answer === null
    ? tx`delete from api_idempotency where key_id = ${key.keyId} and idempotency_key = ${idempotencyKey} and route = ${route}`
    : tx`update api_idempotency set status = ${answer.status}, response = ${answer.body === undefined ? null : tx.json(answer.body as never)}
         where key_id = ${key.keyId} and idempotency_key = ${idempotencyKey} and route = ${route}`);
}

function toJsonSafe(body: unknown): unknown {
  return body === undefined ? undefined : JSON.parse(JSON.stringify(body));
}

function handlerFor(options: PublicApiOptions, operation: ApiOperation) {
  const route = `${operation.method.toUpperCase()} ${operation.path}`;
  return async (req: Request, res: Response) => {
    const requestId = randomUUID();
    res.set('X-Request-Id', requestId);
    let idempotency: { key: AuthenticatedKey; value: string; route: string } | null = null;
    try {
      const authorization = req.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) {
        throw new ApiError(401, 'unauthorized', 'API 키가 필요합니다. Authorization: Bearer ww_live_… 헤더를 보내 주세요.', 'An API key is required: send Authorization: Bearer ww_live_….');
      }
      const call = { secret: match[1], requestId, method: operation.method.toUpperCase(), route: operation.path };
      const key = await (options.meter ? options.meter.admit(call) : authenticateApiCall(options.sql, call));
      if (!key) throw new ApiError(401, 'unauthorized', 'API 키가 올바르지 않거나 폐기되었습니다. 워크스페이스의 API 키 화면에서 확인해 주세요.', 'The API key is invalid or revoked.');
      rateHeaders(res, key);
      if (!key.rate.allowed) {
        res.set('Retry-After', String(key.rate.resetSeconds));
        throw new ApiError(429, 'rate_limited', `호출 한도(분당 ${key.rate.limit}회)를 넘었습니다. ${key.rate.resetSeconds}초 뒤에 다시 시도해 주세요.`, `Rate limit of ${key.rate.limit} calls per minute exceeded. Retry in ${key.rate.resetSeconds} s.`);
      }
      if (key.tenantStatus === 'suspended') {
        throw new ApiError(403, 'workspace_suspended', '이 워크스페이스는 정지되었습니다. 고객센터에 문의해 주세요.', 'This workspace is suspended.');
      }
      if (!key.scopes.includes(operation.scope)) {
        throw new ApiError(403, 'insufficient_scope', `이 API 키에는 ‘${operation.scope}’ 권한이 없습니다. 권한이 있는 키를 만들어 써 주세요.`, `This API key lacks the '${operation.scope}' scope.`);
      }
      // A path id that is not even well-formed names nothing in this workspace: 404, like any other unknown id.
      const paramsParsed = operation.params?.safeParse(req.params);
      if (paramsParsed && !paramsParsed.success) {
        throw new ApiError(404, 'not_found', '찾을 수 없습니다. 주소의 아이디를 확인해 주세요.', 'Not found. Check the id in the path.', paramsParsed.error.issues[0]?.path.join('.'));
      }
      const params = (paramsParsed?.data ?? {}) as Record<string, string>;
      const query = parseWith(operation.query ?? emptyQuery, req.query, 'query');
      let body: Record<string, unknown> = {};
      let raw: Buffer = Buffer.alloc(0);
      if (operation.method === 'post' || operation.method === 'put') {
        const read = readBody(req);
        raw = read.raw;
        body = parseWith(operation.body, read.json, 'body');
      } else if (Buffer.isBuffer(req.body) && req.body.length > 0) {
        throw new ApiError(400, 'invalid_request', `${operation.method.toUpperCase()} 요청에는 본문을 보내지 마세요.`, `Do not send a body with ${operation.method.toUpperCase()}.`, 'body');
      }

      if (operation.method === 'post') {
        const value = req.get('idempotency-key');
        if (value !== undefined) {
          if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
            throw new ApiError(400, 'invalid_request', 'Idempotency-Key는 공백 없는 ASCII 200자 이하로 보내 주세요.', 'Idempotency-Key must be 1–200 visible ASCII characters.', 'Idempotency-Key');
          }
          const claimRoute = `POST ${req.baseUrl}${req.path}`;
          const replay = await claimIdempotencyKey(options.sql, key, {
            idempotencyKey: value, route: claimRoute, bodySha256: createHash('sha256').update(raw).digest('hex'),
          });
          if (replay) {
            res.set('Idempotent-Replayed', 'true').status(replay.status);
            if (replay.body === null || replay.body === undefined) res.end();
            else res.json(replay.body);
            return;
          }
          idempotency = { key, value, route: claimRoute };
        }
      }

      const ctx: ApiContext = { sql: options.sql, boss: options.boss, key, requestId, params, query, body, res };
      const result: ApiResult = await operation.handle(ctx);
      if ('streamed' in result) return;
      // Stored answers are kept as the JSON the client saw (dates as strings); others go out as they are.
      const answer = { status: result.status, body: idempotency ? toJsonSafe(result.body) : result.body };
      if (idempotency) await storeIdempotentAnswer(options.sql, idempotency.key, idempotency.value, idempotency.route, answer);
      res.status(answer.status).set('Cache-Control', 'no-store');
      if (answer.body === undefined) res.end();
      else res.json(answer.body);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : null;
      if (idempotency) {
        // A 4xx is the answer to this request and is kept; a crash is not, so a retry may run again.
        await storeIdempotentAnswer(options.sql, idempotency.key, idempotency.value, idempotency.route,
          apiError && apiError.status < 500 ? { status: apiError.status, body: apiError.toBody() } : null).catch(() => {});
      }
      if (apiError) return sendError(res, apiError);
      (options.log ?? ((line: string) => console.error(line)))(`[api] ${route} ${requestId} failed: ${(error as Error).stack ?? error}`);
      sendError(res, new ApiError(500, 'internal_error', `서버 오류가 났습니다. 잠시 뒤 다시 시도해 주세요. (요청 번호 ${requestId})`, `Internal error (request ${requestId}). Retry later.`));
    }
  };
}


/** The /api/v1 router (mount with app.use('/api/v1', …) before the Origin check). */
export function createPublicApiRouter(options: PublicApiOptions): Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: MAX_BODY_BYTES }));
  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(buildOpenApiDocument());
  });
  for (const operation of operations) {
    router[operation.method](expressPath(operation.path), handlerFor(options, operation));
  }
  router.use((req, res) => {
    sendError(res, new ApiError(404, 'not_found', `${req.method} ${req.path}는 없는 API입니다. /api/v1/openapi.json 문서를 확인해 주세요.`, `No such endpoint: ${req.method} ${req.path}. See /api/v1/openapi.json.`));
  });
  // express.raw's errors (too large, bad encoding) and anything thrown before a handler.
  router.use((error: { type?: string; status?: number }, _req: Request, res: Response, _next: express.NextFunction) => {
    if (error.type === 'entity.too.large') {
      return sendError(res, new ApiError(400, 'body_too_large', `요청 본문이 ${MAX_BODY_BYTES / 1024 / 1024}MB를 넘습니다. 더 작게 나눠 보내 주세요.`, `The body exceeds ${MAX_BODY_BYTES / 1024 / 1024} MB.`, 'body'));
    }
    sendError(res, new ApiError(400, 'invalid_request', '요청을 읽지 못했습니다. 본문과 헤더를 확인해 주세요.', 'The request could not be read.', 'body'));
  });
  return router;
}

/**
 * The router, its metering journal (in DATA_DIR/api-metering) and the webhook dispatcher of this
 * web process; close() writes the journaled calls and stops the dispatcher.
 */
export async function startPublicApi(options: PublicApiOptions): Promise<{ router: Router; close(): Promise<void> }> {
  const meter = options.meter ?? ApiMeter.open({ sql: options.sql, dir: path.join(env().dataDir, 'api-metering'), log: options.log });
  const dispatcher = await startWebhookDispatcher({
    sql: options.sql, boss: options.boss, log: options.log, retry: { limit: 8, delaySeconds: env().WEBHOOK_RETRY_DELAY_SECONDS },
  });
  return {
    router: createPublicApiRouter({ ...options, meter }),
    close: async () => {
      await dispatcher.stop();
      await meter.stop();
    },
  };
}
