// The public API's operations: one table that the express router mounts and the OpenAPI
// document describes. Every handler reaches tenant data only through the domain functions
// (sites.server.ts, buildfarm/, cdn/, billing/) or withTenant with the key's tenant.
import type { Response } from 'express';
import type PgBoss from 'pg-boss';
import type { z } from 'zod';
import { assertCanPublish, BillingError, getHostingUsage, UPGRADE_URL } from '../../../billing/index.ts';
import { cancelBuild, CancelBuildError, getBuild, listBuildLogs, publishSite, PublishError, subscribeToBuild, type Build, type BuildEvent } from '../../../buildfarm/index.ts';
import {
  activateDeployment, addSiteDomain, CdnError, dnsInstructions, domainStatusText, getSiteDomain, listDeployments, listSiteDomains, recheckSiteDomain,
  removeSiteDomain, setPrimaryDomain, takeDownSite, type SiteDomain,
} from '../../../cdn/index.ts';
import { withTenant, type Sql } from '../../../db/index.ts';
import { createSiteDocument } from '../../../site/index.ts';
import { domainProviders } from '../domains.server.ts';
import { createSite, getSite, restoreVersion, saveDocument, type SiteSummary } from '../sites.server.ts';
import { ApiError, notFound } from './errors.server.ts';
import { countApiCalls, periodOfDate, type ApiScope, type AuthenticatedKey } from './keys.server.ts';
import * as s from './schemas.server.ts';
import { WebhookUrlError } from './webhook-target.server.ts';
import { createWebhook, deleteWebhook, listWebhookDeliveries, listWebhooks } from './webhooks.server.ts';

export interface ApiContext {
  sql: Sql;
  boss: () => Promise<PgBoss>;
  key: AuthenticatedKey;
  requestId: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** For streaming answers only. */
  res: Response;
}

export type ApiResult = { status: number; body?: unknown } | { streamed: true };

export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: /sites/{siteId} */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  scope: ApiScope;
  params?: z.AnyZodObject;
  query?: z.AnyZodObject;
  body?: z.AnyZodObject;
  /** The success answer (the first is the documented example's status). */
  success: { status: number; description: string; schema?: z.ZodTypeAny; contentType?: string };
  errors: number[];
  /** A request that succeeds against a workspace with the named fixtures (the example test sends it). */
  example?: { body?: Record<string, unknown>; query?: Record<string, string> };
  handle(ctx: ApiContext): Promise<ApiResult>;
}

// ---------------------------------------------------------------------------------------------
// Cursors: opaque to clients, base64url of the sort key of the last row.

function encodeCursor(at: Date | string, id: string): string {
  return Buffer.from(JSON.stringify([new Date(at).toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: unknown): { at: string; id: string } | null {
  if (cursor === undefined) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as [string, string];
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string') throw new Error('shape');
    return { at, id };
  } catch {
    throw new ApiError(400, 'invalid_request', '‘cursor’ 값이 올바르지 않습니다. 이전 응답의 nextCursor를 그대로 보내 주세요.', "'cursor' is invalid. Send the previous page's nextCursor unchanged.", 'cursor');
  }
}

function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => [Date | string, string]) {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return { data, nextCursor: more && last ? encodeCursor(...keyOf(last)) : null };
}

// ---------------------------------------------------------------------------------------------
// Shapes

function siteOut(site: SiteSummary) {
  return {
    id: site.id, name: site.name, slug: site.slug, template: site.template, revision: site.revision,
    liveDeploymentId: site.liveDeploymentId, createdAt: site.createdAt, updatedAt: site.updatedAt,
  };
}

function buildOut(b: Build) {
  return {
    id: b.id, siteId: b.siteId, versionId: b.versionId, versionNumber: b.versionNumber, status: b.status, stage: b.stage,
    progress: b.progress, error: b.error, deploymentId: b.deploymentId, queuedAt: b.queuedAt, startedAt: b.startedAt, finishedAt: b.finishedAt,
  };
}

const siteMissing = () => notFound('Site', '사이트');
const buildMissing = () => notFound('Build', '빌드');

async function requireSite(ctx: ApiContext) {
  const site = await getSite(ctx.sql, ctx.key.tenantId, ctx.params.siteId);
  if (!site) throw siteMissing();
  return site;
}

function limitOf(ctx: ApiContext): number {
  return ctx.query.limit as number;
}

// ---------------------------------------------------------------------------------------------
// Documented request examples (the OpenAPI test sends each one and expects the documented status).

const exampleDocument = (() => {
  const document = createSiteDocument('cafe', { siteName: '카페 모모' });
  return { ...document, pages: [{ ...document.pages[0], sections: document.pages[0].sections.slice(0, 1) }] };
})();
const exampleSection = (() => {
  const { id: _id, ...section } = exampleDocument.pages[0].sections[0] as { id: string } & Record<string, unknown>;
  return { ...section, heading: '오늘 볶은 원두로 내린 한 잔' };
})();

// ---------------------------------------------------------------------------------------------
// Operations

export const operations: ApiOperation[] = [
  {
    method: 'get', path: '/sites', operationId: 'listSites', tag: 'Sites', scope: 'read',
    summary: '사이트 목록 / List sites',
    query: s.pageQuery,
    success: { status: 200, description: 'Sites, newest first', schema: s.page(s.siteSummary, 'SitePage') },
    errors: [400, 401, 429],
    example: { query: { limit: '10' } },
    async handle(ctx) {
      const cursor = decodeCursor(ctx.query.cursor);
      const limit = limitOf(ctx);
      const rows = await withTenant(ctx.sql, ctx.key.tenantId, (tx) => tx<{ id: string; name: string; slug: string; template: string; revision: number; live_deployment_id: string | null; created_at: Date; updated_at: Date }[]>`
        select id, name, slug, template, revision, live_deployment_id, created_at, updated_at from sites
        ${cursor ? tx`where (created_at, id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : tx``}
        order by created_at desc, id desc limit ${limit + 1}`);
      const sites = rows.map((r) => ({
        id: r.id, name: r.name, slug: r.slug, template: r.template, revision: r.revision,
        liveDeploymentId: r.live_deployment_id, createdAt: r.created_at, updatedAt: r.updated_at,
      }));
      return { status: 200, body: pageOf(sites, limit, (x) => [x.createdAt, x.id]) };
    },
  },
  {
    method: 'post', path: '/sites', operationId: 'createSite', tag: 'Sites', scope: 'write',
    summary: '템플릿으로 사이트 만들기 / Create a site from a template',
    description: '워크스페이스 요금제의 사이트 수를 넘으면 아무것도 만들지 않고 403 plan_limit(upgradeUrl 포함)입니다. '
      + "/ Beyond the workspace plan's site count nothing is created: 403 plan_limit with upgradeUrl.",
    body: s.createSiteBody,
    success: { status: 201, description: 'The new site', schema: s.site },
    errors: [400, 401, 403, 422, 429],
    example: { body: { name: '카페 모모', slug: 'cafe-momo-example', template: 'cafe' } },
    async handle(ctx) {
      const body = ctx.body as z.infer<typeof s.createSiteBody>;
      const created = await createSite(ctx.sql, { tenantId: ctx.key.tenantId, userId: null, name: body.name, slug: body.slug, templateId: body.template });
      if (!created.ok) {
        const first = created.errors[0];
        if (created.upgradeUrl) {
          throw new ApiError(403, 'plan_limit', first.message, "The workspace's plan allows no more sites (or pages); change the plan on the billing page.", 'plan', { upgradeUrl: created.upgradeUrl });
        }
        const taken = first.field === 'slug' && first.message.includes('이미 사용');
        throw new ApiError(taken ? 409 : 400, taken ? 'slug_taken' : 'invalid_request', first.message,
          taken ? 'This address is taken. Choose another slug.' : `'${first.field}' is invalid.`, first.field);
      }
      return { status: 201, body: { ...siteOut(created.site), document: created.site.document } };
    },
  },
  {
    method: 'get', path: '/sites/{siteId}', operationId: 'getSite', tag: 'Sites', scope: 'read',
    summary: '사이트와 문서 읽기 / Read a site with its document',
    params: s.siteIdParams,
    success: { status: 200, description: 'The site', schema: s.site },
    errors: [401, 404, 429],
    async handle(ctx) {
      const site = await requireSite(ctx);
      return { status: 200, body: { ...siteOut(site), document: site.document } };
    },
  },
  {
    method: 'put', path: '/sites/{siteId}/document', operationId: 'saveSiteDocument', tag: 'Sites', scope: 'write',
    summary: '문서 전체 저장 / Replace the site document',
    description: 'baseRevision가 현재 revision과 다르면 아무것도 바꾸지 않고 409를 돌려줍니다. / A stale baseRevision changes nothing and answers 409.',
    params: s.siteIdParams, body: s.saveDocumentBody,
    success: { status: 200, description: 'Saved', schema: s.saveResult },
    errors: [400, 401, 403, 404, 409, 429],
    example: { body: { document: exampleDocument, baseRevision: 1 } },
    async handle(ctx) {
      const body = ctx.body as z.infer<typeof s.saveDocumentBody>;
      await requireSite(ctx);
      return saveAndAnswer(ctx, body.document, body.baseRevision);
    },
  },
  {
    method: 'put', path: '/sites/{siteId}/sections/{sectionId}', operationId: 'saveSiteSection', tag: 'Sites', scope: 'write',
    summary: '섹션 하나 바꾸기 / Replace one section',
    params: s.siteSectionParams, body: s.saveSectionBody,
    success: { status: 200, description: 'Saved', schema: s.saveResult },
    errors: [400, 401, 403, 404, 409, 429],
    example: { body: { section: exampleSection } },
    async handle(ctx) {
      const body = ctx.body as z.infer<typeof s.saveSectionBody>;
      const site = await requireSite(ctx);
      if (body.section.id !== undefined && body.section.id !== ctx.params.sectionId) {
        throw new ApiError(400, 'invalid_request', '‘section.id’는 주소의 섹션 아이디와 같아야 합니다.', "'section.id' must equal the sectionId in the path.", 'section.id');
      }
      let found = false;
      const pages = site.document.pages.map((p) => ({
        ...p,
        sections: p.sections.map((sec) => {
          if (sec.id !== ctx.params.sectionId) return sec;
          found = true;
          return { ...body.section, id: sec.id } as typeof sec;
        }),
      }));
      if (!found) throw notFound('Section', '섹션');
      return saveAndAnswer(ctx, { ...site.document, pages }, body.baseRevision ?? site.revision);
    },
  },
  {
    method: 'delete', path: '/sites/{siteId}', operationId: 'deleteSite', tag: 'Sites', scope: 'write',
    summary: '사이트 삭제 / Delete a site',
    description: '버전, 빌드, 배포 기록과 이미지도 함께 지워집니다. / Its versions, builds, deployments and images go with it.',
    params: s.siteIdParams,
    success: { status: 204, description: 'Deleted' },
    errors: [401, 403, 404, 429],
    async handle(ctx) {
      await requireSite(ctx);
      // What the CDNs and our DNS zone keep for the site goes first (cdn/site-deletion.ts, decision 143).
      const takedown = await takeDownSite(ctx.sql, domainProviders(ctx.sql), { tenantId: ctx.key.tenantId, siteId: ctx.params.siteId });
      for (const note of takedown.notes) console.error(`[api] deleting site ${ctx.params.siteId}: ${note}`);
      const deleted = await withTenant(ctx.sql, ctx.key.tenantId, async (tx) => {
        const gone = await tx`delete from sites where id = ${ctx.params.siteId}`;
        if (gone.count === 0) return false;
        await tx`insert into audit_log (tenant_id, user_id, action, target, detail)
          values (${ctx.key.tenantId}, ${null}, 'site.delete', ${ctx.params.siteId}, ${tx.json({ apiKeyId: ctx.key.keyId })})`;
        return true;
      });
      if (!deleted) throw siteMissing();
      return { status: 204 };
    },
  },
  {
    method: 'get', path: '/sites/{siteId}/versions', operationId: 'listVersions', tag: 'Versions', scope: 'read',
    summary: '버전 목록 / List versions',
    params: s.siteIdParams, query: s.pageQuery,
    success: { status: 200, description: 'Versions, newest first', schema: s.page(s.version, 'VersionPage') },
    errors: [400, 401, 404, 429],
    async handle(ctx) {
      const cursor = decodeCursor(ctx.query.cursor);
      const limit = limitOf(ctx);
      const rows = await withTenant(ctx.sql, ctx.key.tenantId, async (tx) => {
        const [site] = await tx`select 1 from sites where id = ${ctx.params.siteId}`;
        if (!site) return null;
        return tx<{ id: string; number: number; reason: string; created_at: Date }[]>`
          select id, number, reason, created_at from site_versions where site_id = ${ctx.params.siteId}
          ${cursor ? tx`and (created_at, id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : tx``}
          order by created_at desc, id desc limit ${limit + 1}`;
      });
      if (!rows) throw siteMissing();
      const versions = rows.map((r) => ({ id: r.id, number: r.number, reason: r.reason, createdAt: r.created_at }));
      return { status: 200, body: pageOf(versions, limit, (v) => [v.createdAt, v.id]) };
    },
  },
  {
    method: 'post', path: '/sites/{siteId}/versions/{versionId}/restore', operationId: 'restoreVersion', tag: 'Versions', scope: 'write',
    summary: '버전으로 되돌리기 / Restore a version',
    params: s.siteVersionParams, body: s.emptyBody,
    success: { status: 200, description: 'Restored as the current document', schema: s.restoreResult },
    errors: [400, 401, 403, 404, 409, 422, 429],
    example: { body: {} },
    async handle(ctx) {
      const restored = await restoreVersion(ctx.sql, { tenantId: ctx.key.tenantId, siteId: ctx.params.siteId, versionId: ctx.params.versionId, userId: null });
      if (!restored) throw notFound('Version', '버전');
      if (!restored.ok) throw new ApiError(409, 'version_incompatible', restored.message, 'This version no longer fits the editor and cannot be restored.');
      return { status: 200, body: { revision: restored.revision, versionNumber: restored.versionNumber } };
    },
  },
  {
    method: 'post', path: '/sites/{siteId}/publish', operationId: 'publishSite', tag: 'Builds', scope: 'publish',
    summary: '게시 (빌드 시작) / Publish (start a build)',
    params: s.siteIdParams, body: s.emptyBody,
    success: { status: 202, description: 'The build is queued', schema: s.publishResult },
    errors: [400, 401, 403, 404, 422, 429],
    example: { body: {} },
    async handle(ctx) {
      await requireSite(ctx);
      try {
        await assertCanPublish(ctx.sql, ctx.key.tenantId);
        const published = await publishSite(ctx.sql, await ctx.boss(), { tenantId: ctx.key.tenantId, siteId: ctx.params.siteId, userId: null });
        return { status: 202, body: published };
      } catch (error) {
        if (error instanceof BillingError) throw new ApiError(403, 'workspace_limited', error.message, 'Publishing is paused until the overdue payment is settled.');
        if (error instanceof PublishError) throw siteMissing();
        throw error;
      }
    },
  },
  {
    method: 'get', path: '/sites/{siteId}/builds', operationId: 'listBuilds', tag: 'Builds', scope: 'read',
    summary: '빌드 목록 / List builds',
    params: s.siteIdParams, query: s.pageQuery,
    success: { status: 200, description: 'Builds, newest first', schema: s.page(s.build, 'BuildPage') },
    errors: [400, 401, 404, 429],
    async handle(ctx) {
      const cursor = decodeCursor(ctx.query.cursor);
      const limit = limitOf(ctx);
      const ids = await withTenant(ctx.sql, ctx.key.tenantId, async (tx) => {
        const [site] = await tx`select 1 from sites where id = ${ctx.params.siteId}`;
        if (!site) return null;
        return tx<{ id: string }[]>`
          select id from builds where site_id = ${ctx.params.siteId}
          ${cursor ? tx`and (queued_at, id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : tx``}
          order by queued_at desc, id desc limit ${limit + 1}`;
      });
      if (!ids) throw siteMissing();
      const builds = (await Promise.all(ids.map((r) => getBuild(ctx.sql, ctx.key.tenantId, r.id)))).filter((b): b is Build => b !== null);
      return { status: 200, body: pageOf(builds.map(buildOut), limit, (b) => [b.queuedAt, b.id]) };
    },
  },
  {
    method: 'get', path: '/builds/{buildId}', operationId: 'getBuild', tag: 'Builds', scope: 'read',
    summary: '빌드 상태 / Build status',
    params: s.buildIdParams,
    success: { status: 200, description: 'The build', schema: s.build },
    errors: [401, 404, 429],
    async handle(ctx) {
      const b = await getBuild(ctx.sql, ctx.key.tenantId, ctx.params.buildId);
      if (!b) throw buildMissing();
      return { status: 200, body: buildOut(b) };
    },
  },
  {
    method: 'post', path: '/builds/{buildId}/cancel', operationId: 'cancelBuild', tag: 'Builds', scope: 'publish',
    summary: '빌드 취소 / Cancel a build',
    params: s.buildIdParams, body: s.emptyBody,
    success: { status: 200, description: 'Cancelled', schema: s.build },
    errors: [400, 401, 403, 404, 409, 422, 429],
    example: { body: {} },
    async handle(ctx) {
      const before = await getBuild(ctx.sql, ctx.key.tenantId, ctx.params.buildId);
      if (!before) throw buildMissing();
      try {
        await cancelBuild(ctx.sql, await ctx.boss(), { tenantId: ctx.key.tenantId, buildId: ctx.params.buildId });
      } catch (error) {
        if (error instanceof CancelBuildError) throw new ApiError(409, 'build_not_cancellable', error.message, 'This build can no longer be cancelled.');
        throw error;
      }
      const after = await getBuild(ctx.sql, ctx.key.tenantId, ctx.params.buildId);
      return { status: 200, body: buildOut(after ?? before) };
    },
  },
  {
    method: 'get', path: '/builds/{buildId}/logs', operationId: 'streamBuildLogs', tag: 'Builds', scope: 'read',
    summary: '빌드 로그 스트림 (NDJSON) / Build logs as a stream (NDJSON)',
    description: '한 줄에 JSON 하나: {"type":"log",…} 또는 {"type":"status",…}. follow=true면 빌드가 끝날 때까지 이어집니다. / One JSON object per line; with follow=true the stream ends when the build ends.',
    params: s.buildIdParams, query: s.logsQuery,
    success: { status: 200, description: 'NDJSON stream of log and status events', contentType: 'application/x-ndjson' },
    errors: [400, 401, 404, 429],
    async handle(ctx) {
      const { tenantId } = ctx.key;
      const buildId = ctx.params.buildId;
      const first = await getBuild(ctx.sql, tenantId, buildId);
      if (!first) throw buildMissing();
      const res = ctx.res;
      res.status(200).set({ 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
      const follow = ctx.query.follow === 'true';
      let lastId = ctx.query.afterId as number;
      const finished = (status: string) => !['queued', 'running'].includes(status);
      const write = (event: unknown) => res.write(JSON.stringify(event) + '\n');
      let done = false;
      let stop: (() => Promise<void>) | null = null;
      const end = () => {
        if (done) return;
        done = true;
        void stop?.().catch(() => {});
        res.end();
      };
      const queue: BuildEvent[] = [];
      let replayed = false;
      const handle = (event: BuildEvent) => {
        if (done) return;
        if (event.type === 'log') {
          if (event.id <= lastId) return;
          lastId = event.id;
          write({ type: 'log', id: event.id, at: event.at, level: event.level, stage: event.stage, message: event.message });
        } else {
          write({ type: 'status', status: event.status, stage: event.stage, progress: event.progress, error: event.error, deploymentId: event.deploymentId });
          if (finished(event.status)) end();
        }
      };
      if (follow && !finished(first.status)) {
        stop = await subscribeToBuild(ctx.sql, buildId, (event) => (replayed ? handle(event) : queue.push(event)));
        res.on('close', end);
      }
      for (const line of await listBuildLogs(ctx.sql, tenantId, buildId, lastId)) {
        lastId = line.id;
        write({ type: 'log', id: line.id, at: line.at, level: line.level, stage: line.stage, message: line.message });
      }
      const now = await getBuild(ctx.sql, tenantId, buildId);
      replayed = true;
      for (const event of queue.splice(0)) handle(event);
      if (!done && now) handle({ type: 'status', buildId, status: now.status, stage: now.stage, progress: now.progress, error: now.error, deploymentId: now.deploymentId });
      if (!follow) end();
      return { streamed: true };
    },
  },
  {
    method: 'get', path: '/sites/{siteId}/deployments', operationId: 'listDeployments', tag: 'Deployments', scope: 'read',
    summary: '배포 목록 / List deployments',
    params: s.siteIdParams, query: s.pageQuery,
    success: { status: 200, description: 'Deployments, newest first', schema: s.page(s.deployment, 'DeploymentPage') },
    errors: [400, 401, 404, 429],
    async handle(ctx) {
      const cursor = decodeCursor(ctx.query.cursor);
      const limit = limitOf(ctx);
      let rows;
      try {
        rows = await listDeployments(ctx.sql, ctx.key.tenantId, ctx.params.siteId);
      } catch (error) {
        if (error instanceof CdnError && error.code === 'not_found') throw siteMissing();
        throw error;
      }
      const ordered = rows
        .map((d) => ({ id: d.id, siteId: d.siteId, buildId: d.buildId, provider: d.provider, status: d.status, fileCount: d.fileCount, totalBytes: Number(d.totalBytes), live: d.live, createdAt: d.createdAt, activatedAt: d.activatedAt }))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .filter((d) => !cursor || d.createdAt.getTime() < Date.parse(cursor.at) || (d.createdAt.getTime() === Date.parse(cursor.at) && d.id < cursor.id));
      return { status: 200, body: pageOf(ordered.slice(0, limit + 1), limit, (d) => [d.createdAt, d.id]) };
    },
  },
  {
    method: 'post', path: '/sites/{siteId}/deployments/{deploymentId}/activate', operationId: 'activateDeployment', tag: 'Deployments', scope: 'publish',
    summary: '배포 되돌리기 (다시 공개) / Roll back: make a deployment live',
    params: s.siteDeploymentParams, body: s.emptyBody,
    success: { status: 200, description: 'The deployment is live', schema: s.deployment },
    errors: [400, 401, 403, 404, 409, 422, 429],
    example: { body: {} },
    async handle(ctx) {
      try {
        await activateDeployment(ctx.sql, { tenantId: ctx.key.tenantId, siteId: ctx.params.siteId, deploymentId: ctx.params.deploymentId });
        const rows = await listDeployments(ctx.sql, ctx.key.tenantId, ctx.params.siteId);
        const d = rows.find((r) => r.id === ctx.params.deploymentId);
        if (!d) throw notFound('Deployment', '배포');
        return { status: 200, body: { id: d.id, siteId: d.siteId, buildId: d.buildId, provider: d.provider, status: d.status, fileCount: d.fileCount, totalBytes: Number(d.totalBytes), live: d.live, createdAt: d.createdAt, activatedAt: d.activatedAt } };
      } catch (error) {
        if (error instanceof CdnError && error.code === 'not_found') throw notFound('Deployment', '배포');
        if (error instanceof CdnError) throw new ApiError(409, `deployment_${error.code}`, error.message, 'This deployment cannot be made live.');
        throw error;
      }
    },
  },
  {
    method: 'post', path: '/sites/{siteId}/domains', operationId: 'addDomain', tag: 'Domains', scope: 'publish',
    summary: '사용자 도메인 연결 / Connect a custom domain',
    description: '도메인을 사이트의 CDN에 연결하고 DNS에 만들 레코드(CNAME/TXT)를 돌려줍니다. 레코드가 보이면 연결됨(active)으로 바뀌고 웹훅 domain.verified가 갑니다. '
      + '한글 도메인은 퓨니코드(xn--)로 바뀝니다. 요금제의 연결 도메인 수를 넘으면 403 plan_limit(upgradeUrl 포함)입니다. '
      + '/ Attaches the domain on the site\'s CDN and returns the DNS records (CNAME/TXT) to create; once they are visible the domain turns active and the '
      + 'domain.verified webhook fires. Internationalised names are stored as punycode. Over the plan\'s domain limit: 403 plan_limit with upgradeUrl.',
    params: s.siteIdParams, body: s.addDomainBody,
    success: { status: 201, description: 'Domain added, pending until its DNS records are visible', schema: s.domainStatus },
    errors: [400, 401, 403, 404, 409, 422, 429, 502],
    async handle(ctx) {
      await requireSite(ctx);
      const body = ctx.body as z.infer<typeof s.addDomainBody>;
      try {
        const domain = await addSiteDomain(ctx.sql, domainProviders(ctx.sql), ctx.key.tenantId, ctx.params.siteId, body.domain);
        return { status: 201, body: domainOut(domain) };
      } catch (error) {
        if (error instanceof BillingError && error.code === 'PLAN_LIMIT') {
          throw new ApiError(403, 'plan_limit', error.message, "The workspace's plan allows no more custom domains; change the plan on the billing page or remove a domain.", 'domain', { upgradeUrl: UPGRADE_URL });
        }
        throw domainApiError(error);
      }
    },
  },
  {
    method: 'post', path: '/sites/{siteId}/domains/{domain}/verify', operationId: 'verifyDomain', tag: 'Domains', scope: 'publish',
    summary: '도메인 다시 확인 / Check a custom domain again',
    description: 'CDN에 DNS 레코드와 인증서를 다시 물어봅니다(처음 1시간은 1분마다 저절로 확인합니다). 처음 연결되면 웹훅 domain.verified가 갑니다. '
      + '/ Asks the CDN again about the DNS records and the certificate (also done automatically: every minute in the first hour). The first activation fires domain.verified.',
    params: s.siteDomainParams, body: s.emptyBody,
    success: { status: 200, description: 'The domain as the CDN sees it now', schema: s.domainStatus },
    errors: [400, 401, 403, 404, 422, 429, 502],
    async handle(ctx) {
      try {
        return { status: 200, body: domainOut(await recheckSiteDomain(ctx.sql, domainProviders(ctx.sql), ctx.key.tenantId, ctx.params.siteId, ctx.params.domain)) };
      } catch (error) {
        throw domainApiError(error, true);
      }
    },
  },
  {
    method: 'post', path: '/sites/{siteId}/domains/{domain}/primary', operationId: 'setPrimaryDomain', tag: 'Domains', scope: 'publish',
    summary: '기본 도메인으로 정하기 / Make a domain the primary',
    description: '연결된 다른 도메인은 이 도메인으로 301 이동합니다. / The site\'s other connected domains redirect (301) to this one.',
    params: s.siteDomainParams, body: s.emptyBody,
    success: { status: 200, description: 'The primary domain', schema: s.domainStatus },
    errors: [400, 401, 403, 404, 409, 429],
    async handle(ctx) {
      try {
        await setPrimaryDomain(ctx.sql, domainProviders(ctx.sql), ctx.key.tenantId, ctx.params.siteId, ctx.params.domain);
        return { status: 200, body: domainOut(await getSiteDomain(ctx.sql, ctx.key.tenantId, ctx.params.siteId, ctx.params.domain)) };
      } catch (error) {
        throw domainApiError(error, true);
      }
    },
  },
  {
    method: 'delete', path: '/sites/{siteId}/domains/{domain}', operationId: 'removeDomain', tag: 'Domains', scope: 'publish',
    summary: '도메인 연결 해제 / Disconnect a custom domain',
    params: s.siteDomainParams,
    success: { status: 204, description: 'Disconnected (also at the CDN where it supports it)' },
    errors: [401, 403, 404, 429, 502],
    async handle(ctx) {
      try {
        await removeSiteDomain(ctx.sql, domainProviders(ctx.sql), ctx.key.tenantId, ctx.params.siteId, ctx.params.domain);
        return { status: 204 };
      } catch (error) {
        throw domainApiError(error, true);
      }
    },
  },
  {
    method: 'get', path: '/sites/{siteId}/domains/{domain}', operationId: 'getDomain', tag: 'Domains', scope: 'read',
    summary: '도메인 연결 상태 / Custom domain status',
    description: 'DNS에 만들 레코드와 연결·인증서 상태를 돌려줍니다. / The DNS records to create and the connection and certificate state.',
    params: s.siteDomainParams,
    success: { status: 200, description: 'Domain status', schema: s.domainStatus },
    errors: [401, 404, 429],
    async handle(ctx) {
      let domains;
      try {
        domains = await listSiteDomains(ctx.sql, ctx.key.tenantId, ctx.params.siteId);
      } catch (error) {
        if (error instanceof CdnError && error.code === 'not_found') throw siteMissing();
        throw error;
      }
      const d = domains.find((x) => x.hostname === ctx.params.domain.toLowerCase());
      if (!d) throw notFound('Domain', '도메인');
      return { status: 200, body: domainOut(d) };
    },
  },
  {
    method: 'get', path: '/usage', operationId: 'getUsage', tag: 'Usage', scope: 'read',
    summary: '이번 달 사용량 / Usage this month',
    query: s.usageQuery,
    success: { status: 200, description: 'API calls and hosting requests in the period', schema: s.usage },
    errors: [400, 401, 429],
    example: { query: { period: '2026-11' } },
    async handle(ctx) {
      const period = (ctx.query.period as string | undefined) ?? periodOfDate(new Date());
      const [apiCalls, hosting] = await Promise.all([
        countApiCalls(ctx.sql, ctx.key.tenantId, period),
        getHostingUsage(ctx.sql, ctx.key.tenantId, period),
      ]);
      return { status: 200, body: { period, apiCalls, hostingRequests: hosting.reduce((sum, h) => sum + Number(h.requests), 0) } };
    },
  },
  {
    method: 'get', path: '/webhooks', operationId: 'listWebhooks', tag: 'Webhooks', scope: 'read',
    summary: '웹훅 목록 / List webhooks',
    success: { status: 200, description: 'Webhooks', schema: s.page(s.webhook, 'WebhookPage') },
    errors: [401, 429],
    async handle(ctx) {
      return { status: 200, body: { data: await listWebhooks(ctx.sql, ctx.key.tenantId), nextCursor: null } };
    },
  },
  {
    method: 'post', path: '/webhooks', operationId: 'createWebhook', tag: 'Webhooks', scope: 'write',
    summary: '웹훅 등록 / Register a webhook',
    description: '요청마다 WindWalker-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> 헤더가 붙습니다. '
      + '주소는 https://만 받으며, 내부망·루프백·링크 로컬 등 공개되지 않은 주소로 풀리는 주소는 등록할 때와 보낼 때 모두 거절하고, 리다이렉트는 따라가지 않습니다. '
      + '/ Each delivery is signed. Only https:// URLs; a URL resolving to a non-public address (private, loopback, link-local, …) is refused at registration and at every delivery; redirects are not followed.',
    body: s.createWebhookBody,
    success: { status: 201, description: 'Registered; the secret is shown only now', schema: s.createdWebhook },
    errors: [400, 401, 403, 422, 429],
    example: { body: { url: 'https://example.com/windwalker-hook', events: ['build.succeeded', 'build.failed'] } },
    async handle(ctx) {
      const body = ctx.body as z.infer<typeof s.createWebhookBody>;
      try {
        return { status: 201, body: await createWebhook(ctx.sql, { tenantId: ctx.key.tenantId, userId: null, url: body.url, events: body.events }) };
      } catch (error) {
        if (error instanceof WebhookUrlError) throw new ApiError(400, 'webhook_url_refused', error.messageKo, error.messageEn, 'url');
        throw error;
      }
    },
  },
  {
    method: 'delete', path: '/webhooks/{webhookId}', operationId: 'deleteWebhook', tag: 'Webhooks', scope: 'write',
    summary: '웹훅 삭제 / Delete a webhook',
    params: s.webhookIdParams,
    success: { status: 204, description: 'Deleted' },
    errors: [401, 403, 404, 429],
    async handle(ctx) {
      if (!(await deleteWebhook(ctx.sql, ctx.key.tenantId, ctx.params.webhookId))) throw notFound('Webhook', '웹훅');
      return { status: 204 };
    },
  },
  {
    method: 'get', path: '/webhooks/{webhookId}/deliveries', operationId: 'listWebhookDeliveries', tag: 'Webhooks', scope: 'read',
    summary: '웹훅 전송 기록 / Webhook delivery log',
    params: s.webhookIdParams,
    success: { status: 200, description: 'Deliveries, newest first', schema: s.page(s.delivery, 'DeliveryPage') },
    errors: [401, 404, 429],
    async handle(ctx) {
      const deliveries = await listWebhookDeliveries(ctx.sql, ctx.key.tenantId, ctx.params.webhookId);
      if (!deliveries) throw notFound('Webhook', '웹훅');
      return { status: 200, body: { data: deliveries, nextCursor: null } };
    },
  },
];

/** A cdn/ domain error as the API's error; `named`: the path names a domain, so not_found may be the domain's. */
function domainApiError(error: unknown, named = false): unknown {
  if (!(error instanceof CdnError)) return error;
  switch (error.code) {
    case 'not_found': return named && !error.message.startsWith('사이트') ? notFound('Domain', '도메인') : siteMissing();
    case 'invalid_domain': return new ApiError(400, 'invalid_domain', error.message, "'domain' is not a public domain name you can connect.", 'domain');
    case 'domain_taken': return new ApiError(409, 'domain_taken', error.message, 'This domain is already connected to a site.', 'domain');
    case 'not_ready': return new ApiError(409, 'domain_not_ready', error.message, 'The domain is not connected yet; create its DNS records and check again.');
    case 'provider_failed': return new ApiError(502, 'provider_failed', error.message, "The site's CDN did not answer as expected; try again later.");
    default: return new ApiError(422, `domain_${error.code}`, error.message, 'The domain cannot be handled on this site now.');
  }
}

function domainOut(d: SiteDomain) {
  return {
    hostname: d.hostname, status: d.status, certificateStatus: d.certificateStatus, isPrimary: d.isPrimary,
    statusText: domainStatusText(d), dnsRecords: d.dnsRecords, instructions: dnsInstructions(d.dnsRecords), checkedAt: d.checkedAt,
  };
}

async function saveAndAnswer(ctx: ApiContext, document: unknown, baseRevision: number): Promise<ApiResult> {
  const saved = await saveDocument(ctx.sql, { tenantId: ctx.key.tenantId, siteId: ctx.params.siteId, userId: null, document, baseRevision });
  if (!saved) throw siteMissing();
  if (saved.ok) return { status: 200, body: { revision: saved.revision, savedAt: saved.savedAt, versionCreated: saved.versionCreated } };
  if (saved.kind === 'conflict') {
    throw new ApiError(409, 'revision_conflict', saved.message, 'The site was saved since baseRevision; read it again and retry.', 'baseRevision', { currentRevision: saved.currentRevision });
  }
  const first = saved.errors[0];
  if (saved.upgradeUrl) {
    throw new ApiError(403, 'plan_limit', saved.message, "The document has more pages than the workspace's plan allows; change the plan on the billing page.", 'document.pages', { upgradeUrl: saved.upgradeUrl });
  }
  throw new ApiError(400, 'invalid_document', saved.message, `The document is invalid at '${first?.path ?? ''}'.`, `document${first?.path ? '.' + first.path : ''}`);
}
