// The zod schemas of the public API: the router validates requests with them and the OpenAPI
// document is generated from them (one source of truth). Request objects are strict, so an
// unknown field is a 400 that names it.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { sectionSchema, siteDocumentSchema, templates } from '../../../site/index.ts';

extendZodWithOpenApi(z);

const uuid = (name: string) => z.string().uuid().openapi({ param: { name, in: 'path' }, example: '3f0c2a52-8d0e-4c0b-9a57-2f8e7a3b9c10' });

export const siteIdParams = z.object({ siteId: uuid('siteId') }).strict();
export const siteVersionParams = z.object({ siteId: uuid('siteId'), versionId: uuid('versionId') }).strict();
export const siteSectionParams = z.object({
  siteId: uuid('siteId'),
  sectionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).openapi({ param: { name: 'sectionId', in: 'path' }, example: 'hero-1' }),
}).strict();
export const siteDeploymentParams = z.object({ siteId: uuid('siteId'), deploymentId: uuid('deploymentId') }).strict();
export const buildIdParams = z.object({ buildId: uuid('buildId') }).strict();
export const webhookIdParams = z.object({ webhookId: uuid('webhookId') }).strict();
export const siteDomainParams = z.object({
  siteId: uuid('siteId'),
  domain: z.string().min(3).max(253).openapi({ param: { name: 'domain', in: 'path' }, example: 'www.momo-cafe.kr' }),
}).strict();

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: '한 번에 받을 개수 (1–100) / page size', example: 20 }),
  cursor: z.string().max(500).optional().openapi({ description: '이전 응답의 nextCursor / the previous page\'s nextCursor' }),
}).strict();

export const logsQuery = z.object({
  follow: z.enum(['true', 'false']).default('true').openapi({ description: 'true: 빌드가 끝날 때까지 실시간으로 이어서 보냅니다 / stream until the build ends' }),
  afterId: z.coerce.number().int().min(0).default(0).openapi({ description: '이 번호 다음 줄부터 / resume after this log line id' }),
}).strict();

export const usageQuery = z.object({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '기간은 2026-11 형식으로 입력해 주세요.').optional()
    .openapi({ description: '청구 기간 (Asia/Seoul), 기본은 이번 달 / billing month, default this month', example: '2026-11' }),
}).strict();

export const emptyQuery = z.object({}).strict();

const templateIds = templates.map((t) => t.id) as [string, ...string[]];

export const createSiteBody = z.object({
  name: z.string().min(1).max(100).openapi({ example: '카페 모모' }),
  slug: z.string().min(3).max(40).openapi({ description: '사이트 주소 (<slug>.windwalker…) / the site\'s sub-domain', example: 'cafe-momo-api' }),
  template: z.enum(templateIds).openapi({ example: 'cafe' }),
}).strict().openapi('CreateSiteRequest');

export const siteDocument = siteDocumentSchema.openapi('SiteDocument');
export const section = sectionSchema.openapi('Section');

export const saveDocumentBody = z.object({
  document: z.record(z.unknown()).openapi({ description: 'The whole site document (see the SiteDocument schema); validated by the editor\'s own schema' }),
  baseRevision: z.number().int().min(1).openapi({ description: '편집을 시작한 revision (다르면 409) / the revision the edit started from (409 when stale)', example: 1 }),
}).strict().openapi('SaveDocumentRequest');

export const saveSectionBody = z.object({
  section: z.record(z.unknown()).openapi({ description: 'One section (see the Section schema); its id must be the path\'s sectionId' }),
  baseRevision: z.number().int().min(1).optional().openapi({ description: 'optional optimistic concurrency check' }),
}).strict().openapi('SaveSectionRequest');

export const emptyBody = z.object({}).strict().openapi('EmptyRequest');

export const webhookEvents = ['build.succeeded', 'build.failed', 'deployment.live', 'domain.verified'] as const;
export const createWebhookBody = z.object({
  url: z.string().url().max(2000).regex(/^https?:\/\//, 'http:// 또는 https:// 주소를 입력해 주세요.').openapi({ example: 'https://example.com/windwalker-hook' }),
  events: z.array(z.enum(webhookEvents)).min(1).max(4).openapi({ example: ['build.succeeded', 'build.failed'] }),
}).strict().openapi('CreateWebhookRequest');

export const addDomainBody = z.object({
  domain: z.string().min(3).max(253).regex(/^[\p{L}\p{N}.-]+$/u, '도메인은 글자, 숫자, 점(.), 하이픈(-)으로 입력해 주세요 (예: www.momo-cafe.kr, 한글 도메인 가능).')
    .openapi({ example: 'www.momo-cafe.kr', description: '연결할 도메인; 대문자는 소문자로, 한글 도메인은 퓨니코드로 저장됩니다 / the host name; stored lower-case, IDN as punycode' }),
}).strict().openapi('AddDomainRequest');

// ---------------------------------------------------------------------------------------------
// Responses

const date = z.string().datetime().openapi({ example: '2026-11-28T08:00:00.000Z' });

export const errorResponse = z.object({
  error: z.object({
    code: z.string().openapi({ example: 'invalid_request' }),
    message: z.string().openapi({ example: '‘name’ 항목이 필요합니다.' }),
    message_en: z.string().openapi({ example: "'name' is required." }),
    field: z.string().optional().openapi({ example: 'name' }),
  }),
}).openapi('Error');

const buildStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'superseded']);

export const siteSummary = z.object({
  id: z.string().uuid(),
  name: z.string(),
  slug: z.string(),
  template: z.string(),
  revision: z.number().int(),
  liveDeploymentId: z.string().uuid().nullable(),
  createdAt: date,
  updatedAt: date,
}).openapi('SiteSummary');

export const site = siteSummary.extend({ document: siteDocument }).openapi('Site');

export const page = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export const version = z.object({
  id: z.string().uuid(),
  number: z.number().int(),
  reason: z.enum(['create', 'autosave', 'publish', 'restore', 'import']),
  createdAt: date,
}).openapi('Version');

export const saveResult = z.object({ revision: z.number().int(), savedAt: date, versionCreated: z.boolean() }).openapi('SaveResult');
export const restoreResult = z.object({ revision: z.number().int(), versionNumber: z.number().int() }).openapi('RestoreResult');
export const publishResult = z.object({ buildId: z.string().uuid(), versionId: z.string().uuid() }).openapi('PublishResult');

export const build = z.object({
  id: z.string().uuid(),
  siteId: z.string().uuid(),
  versionId: z.string().uuid(),
  versionNumber: z.number().int(),
  status: buildStatus,
  stage: z.string().nullable(),
  progress: z.number().int(),
  error: z.string().nullable(),
  deploymentId: z.string().uuid().nullable(),
  queuedAt: date,
  startedAt: date.nullable(),
  finishedAt: date.nullable(),
}).openapi('Build');

export const deployment = z.object({
  id: z.string().uuid(),
  siteId: z.string().uuid(),
  buildId: z.string().uuid().nullable(),
  provider: z.string(),
  status: z.enum(['uploading', 'ready', 'failed', 'deleted']),
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
  live: z.boolean(),
  createdAt: date,
  activatedAt: date.nullable(),
}).openapi('Deployment');

export const usage = z.object({
  period: z.string().openapi({ example: '2026-11' }),
  apiCalls: z.number().int(),
  hostingRequests: z.number().int(),
}).openapi('Usage');

export const webhook = z.object({
  id: z.string().uuid(),
  url: z.string(),
  events: z.array(z.enum(webhookEvents)),
  createdAt: date,
}).openapi('Webhook');
export const createdWebhook = webhook.extend({
  secret: z.string().openapi({ description: 'WindWalker-Signature 검증용 비밀값, 지금 한 번만 보여 줍니다 / signing secret, shown once' }),
}).openapi('CreatedWebhook');

export const delivery = z.object({
  id: z.string().uuid(),
  event: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: date,
  deliveredAt: date.nullable(),
}).openapi('WebhookDelivery');

export const domainStatus = z.object({
  hostname: z.string(),
  status: z.enum(['pending', 'active', 'failed']),
  certificateStatus: z.enum(['pending', 'active', 'failed']),
  isPrimary: z.boolean(),
  statusText: z.string(),
  dnsRecords: z.array(z.object({ type: z.enum(['CNAME', 'TXT', 'A']), name: z.string(), value: z.string(), purpose: z.string() })),
  instructions: z.array(z.string()),
  checkedAt: date.nullable(),
}).openapi('DomainStatus');
