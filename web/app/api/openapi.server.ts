// The OpenAPI 3.1 document of /api/v1, generated from the operations table and the same zod
// schemas the router validates with (zod-to-openapi), so the document cannot drift from what
// the server accepts.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { operations } from './routes.server.ts';
import { z } from 'zod';
import { errorResponse } from './schemas.server.ts';

const idempotencyHeader = z.object({
  'Idempotency-Key': z.string().max(200).optional().openapi({
    description: '같은 키로 다시 보내면 처음 응답을 그대로 돌려줍니다 (24시간) / Replays return the first answer (24 h)',
    example: 'order-2026-11-28-0001',
  }),
});

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: '요청이 올바르지 않습니다 (field가 문제 항목) / Invalid request; `field` names the culprit',
  401: 'API 키가 없거나 올바르지 않습니다 / Missing or invalid API key',
  403: '키에 권한(scope)이 없거나 워크스페이스가 제한되었습니다 / Missing scope or workspace limited',
  404: '이 워크스페이스에 없는 아이디입니다 / No such id in this workspace',
  409: '현재 상태와 맞지 않습니다 / Conflicts with the current state',
  415: 'JSON이 아닌 본문 / Body is not JSON',
  422: '같은 Idempotency-Key를 다른 본문에 썼습니다 / Idempotency-Key reused with a different body',
  429: '호출 한도 초과, Retry-After 후 다시 / Rate limited; retry after Retry-After seconds',
  501: '아직 제공하지 않는 기능 / Not available yet',
};

let cached: Record<string, unknown> | null = null;

export function buildOpenApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: '워크스페이스 설정 › API 키에서 만든 키 (ww_live_…) / A workspace API key',
  });
  const error = registry.register('Error', errorResponse);
  const rateHeaders = {
    'RateLimit-Limit': { description: 'Calls allowed per minute for this key', schema: { type: 'integer' as const } },
    'RateLimit-Remaining': { description: 'Calls left in this window', schema: { type: 'integer' as const } },
    'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' as const } },
  };

  for (const op of operations) {
    const responses: Record<number, { description: string; headers?: typeof rateHeaders; content?: Record<string, { schema: unknown }> }> = {
      [op.success.status]: {
        description: op.success.description,
        headers: rateHeaders,
        ...(op.success.schema ? { content: { 'application/json': { schema: op.success.schema } } } : {}),
        ...(op.success.contentType ? { content: { [op.success.contentType]: { schema: { type: 'string' } } } } : {}),
      },
    };
    for (const status of new Set([...op.errors, 400, 415])) {
      if ((status === 415 || status === 422) && op.method !== 'post' && op.method !== 'put') continue;
      if (status === 400 && !op.body && !op.query) continue;
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        ...(status === 429 ? { headers: { ...rateHeaders, 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } } } : {}),
        content: { 'application/json': { schema: error } },
      } as never;
    }
    registry.registerPath({
      method: op.method,
      path: op.path,
      operationId: op.operationId,
      summary: op.summary,
      description: [op.description, `필요한 권한 / scope: \`${op.scope}\``].filter(Boolean).join('\n\n'),
      tags: [op.tag],
      security: [{ [bearer.name]: [] }],
      request: {
        ...(op.params ? { params: op.params } : {}),
        ...(op.query ? { query: op.query } : {}),
        ...(op.method === 'post'
          ? { headers: idempotencyHeader }
          : {}),
        ...(op.body
          ? { body: { required: op.method === 'put' || Object.keys(op.body.shape).length > 0, content: { 'application/json': { schema: op.body, ...(op.example?.body ? { example: op.example.body } : {}) } } } }
          : {}),
      },
      responses: responses as never,
    });
  }

  const generator = new OpenApiGeneratorV31(registry.definitions);
  cached = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'WindWalker API',
      version: '1.0.0',
      description:
        'WindWalker 웹 화면에서 하는 일을 프로그램으로 할 수 있는 API입니다. 호출 1회당 10원이 청구됩니다. ' +
        '오류는 {"error":{"code","message","message_en","field"}} 모양으로 돌려줍니다. 목록은 nextCursor로 이어 받습니다. ' +
        'POST에는 Idempotency-Key를 보내면 같은 요청을 다시 보내도 한 번만 처리됩니다.\n\n' +
        'Everything an owner does in the WindWalker web app, from a program. Each call is billed 10 KRW. ' +
        'Errors are {"error":{"code","message","message_en","field"}}; lists page with nextCursor; ' +
        'POSTs honour Idempotency-Key (a replay returns the stored answer and creates nothing).',
    },
    servers: [{ url: '/api/v1' }],
  }) as unknown as Record<string, unknown>;
  return cached;
}

