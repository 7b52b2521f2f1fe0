import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { grantPlan } from '../../billing/index.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import { startMessagesContractServer, type MessagesContractServer } from '../../site/ai/contract/messages-server.ts';
import { AI_INVALID_DRAFT_MESSAGE } from '../../site/ai/index.ts';
import { createSiteDocument, type SectionOf } from '../../site/index.ts';
import { AI_NOT_CONFIGURED_MESSAGE, countAiDraftsThisMonth, createSiteFromAiDraft, rewriteSiteSection } from './ai.server.ts';

let db: TestDatabase;
let api: MessagesContractServer;
let client: Anthropic;
let tenantA: string;
let tenantB: string;
const userA = 'ai-user-a';
const description = '연남동에서 10년째 운영하는 작은 빵집입니다. 천연 발효종 식빵과 소금빵이 유명하고 일요일에 쉽니다.';

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startMessagesContractServer();
  client = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 0 });
  [{ id: tenantA }, { id: tenantB }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('연남 베이커리'), ('다른 가게') returning id`;
  await db.sql`insert into users (id, email, password_hash, display_name) values (${userA}, 'ai@example.com', 'x', '박사장')`;
  // A makes more than the free trial's one site; B stays on the trial (its limits are tested).
  await grantPlan(db.sql, tenantA, 'basic', { userId: null });
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});
beforeEach(async () => {
  await db.sql`delete from llm_usage`;
});

const usageRows = () =>
  db.sql<{ tenant_id: string; site_id: string | null; model: string; purpose: string; input_tokens: number; output_tokens: number }[]>`
    select tenant_id, site_id, model, purpose, input_tokens, output_tokens from llm_usage order by id`;

describe('AI draft → site', () => {
  it('stores a good draft as a new site with its first version, under the owner’s name, and records the tokens', async () => {
    api.script({ kind: 'tool_use', input: createSiteDocument('restaurant', { siteName: 'AI가 지은 이름' }), outputTokens: 4321 });
    const result = await createSiteFromAiDraft(db.sql, client, { tenantId: tenantA, userId: userA, name: '연남 베이커리', slug: 'yeonnam-bakery', description, language: 'ko' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [site] = await db.sql<{ template: string; document: { name: string; business: { name: string } } }[]>`select template, document from sites where id = ${result.site.id}`;
    expect(site.template).toBe('ai');
    expect(site.document.name).toBe('연남 베이커리');
    expect(site.document.business.name).toBe('연남 베이커리');
    const versions = await db.sql`select reason from site_versions where site_id = ${result.site.id}`;
    expect(versions.map((v) => v.reason)).toEqual(['create']);
    const rows = await usageRows();
    expect(rows).toEqual([
      expect.objectContaining({ tenant_id: tenantA, site_id: result.site.id, model: 'claude-sonnet-4-5', purpose: 'draft', output_tokens: 4321 }),
    ]);
    expect(rows[0].input_tokens).toBeGreaterThan(0);
  });

  it('never stores a malformed answer, tells the owner in Korean and still records the tokens spent', async () => {
    const [{ n: before }] = await db.sql<{ n: number }[]>`select count(*)::int as n from sites`;
    api.script({ kind: 'tool_use', input: { version: 1, name: '빵집', pages: [{ slug: 'privacy' }] } }, { kind: 'tool_use', input: { version: 1, name: '<img onerror=alert(1)>' } });
    const result = await createSiteFromAiDraft(db.sql, client, { tenantId: tenantA, userId: userA, name: '연남 베이커리 2', slug: 'yeonnam-bakery-2', description, language: 'ko' });
    expect(result).toEqual({ ok: false, errors: [{ field: 'ai', message: AI_INVALID_DRAFT_MESSAGE }] });
    const [{ n: after }] = await db.sql<{ n: number }[]>`select count(*)::int as n from sites`;
    expect(after).toBe(before);
    const rows = await usageRows();
    expect(rows).toEqual([expect.objectContaining({ tenant_id: tenantA, site_id: null, purpose: 'draft-rejected' })]);
    expect(rows[0].output_tokens).toBeGreaterThan(0);
  });

  it('says AI is not configured when there is no client, and calls nothing', async () => {
    const before = api.requests.length;
    const result = await createSiteFromAiDraft(db.sql, null, { tenantId: tenantA, userId: userA, name: '빵집', slug: 'bread-shop', description, language: 'ko' });
    expect(result).toEqual({ ok: false, errors: [{ field: 'ai', message: AI_NOT_CONFIGURED_MESSAGE }] });
    expect(AI_NOT_CONFIGURED_MESSAGE).toContain('AI 기능이 설정되지 않았습니다');
    expect(api.requests.length).toBe(before);
  });

  it('refuses before asking the model when the plan has no room for another site', async () => {
    const [{ id: full }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('사이트 하나 있는 체험') returning id`;
    await db.sql`insert into sites (tenant_id, name, slug, template, document) values (${full}, '첫 사이트', 'ai-full-first', 'cafe', '{}')`;
    const before = api.requests.length;
    const result = await createSiteFromAiDraft(db.sql, client, { tenantId: full, userId: null, name: '둘째', slug: 'ai-full-second', description, language: 'ko' });
    expect(result).toEqual({
      ok: false,
      errors: [{ field: 'plan', message: '무료 체험 요금제의 사이트는 최대 1개입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.' }],
      upgradeUrl: '/billing',
    });
    expect(api.requests.length).toBe(before);
    expect(await usageRows()).toEqual([]);
  });

  it('refuses a draft with more pages than the plan allows and keeps its tokens on record', async () => {
    const doc = createSiteDocument('restaurant', { siteName: '긴 초안' });
    for (let n = 1; doc.pages.length < 6; n++) doc.pages.push({ ...structuredClone(doc.pages[0]!), id: `more-${n}`, slug: `more-${n}`, title: `더 ${n}`, navLabel: `더 ${n}`, sections: [] });
    const [{ id: trial }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('여섯 페이지를 받은 체험') returning id`;
    api.script({ kind: 'tool_use', input: doc });
    const result = await createSiteFromAiDraft(db.sql, client, { tenantId: trial, userId: null, name: '긴 가게', slug: 'ai-six-pages', description, language: 'ko' });
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'plan', message: expect.stringMatching(/^무료 체험 요금제의 사이트당 페이지는 최대 5개입니다/) }], upgradeUrl: '/billing' });
    expect(await usageRows()).toEqual([expect.objectContaining({ tenant_id: trial, site_id: null, purpose: 'draft' })]);
  });

  it('lets only one of two drafts asked at once take the last of the month’s allowance', async () => {
    const [{ id: tenant }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('동시에 두 번 누른 가게') returning id`;
    await grantPlan(db.sql, tenant, 'basic', { userId: null }); // 10 drafts a month, 3 sites
    for (let n = 0; n < 9; n++) {
      await db.sql`insert into llm_usage (tenant_id, model, purpose, input_tokens, output_tokens) values (${tenant}, 'claude-sonnet-4-5', ${n % 2 ? 'draft-rejected' : 'draft'}, 1, 1)`;
    }
    api.script({ kind: 'tool_use', input: createSiteDocument('cafe', { siteName: '하나만' }), outputTokens: 1234 });
    const before = api.requests.length;
    const results = await Promise.all(['first', 'second'].map((slug) =>
      createSiteFromAiDraft(db.sql, client, { tenantId: tenant, userId: null, name: '동시 가게', slug: `ai-race-${slug}`, description, language: 'ko' })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const refused = results.find((r) => !r.ok);
    expect(refused).toEqual({
      ok: false,
      errors: [{ field: 'ai', message: '기본 요금제의 이번 달 AI 초안은 최대 10개입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.' }],
      upgradeUrl: '/billing',
    });
    expect(api.requests.length).toBe(before + 1);
    const rows = (await usageRows()).filter((r) => r.tenant_id === tenant);
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.output_tokens === 1234)?.site_id).toEqual(expect.any(String));
    expect(await countAiDraftsThisMonth(db.sql, tenant)).toBe(10);
    const [{ open }] = await db.sql<{ open: number }[]>`select count(*)::int as open from ai_draft_reservations where tenant_id = ${tenant}`;
    expect(open).toBe(0);
  });

  it('stops at the plan’s monthly draft limit (trial: 3) with a message pointing to the plans page', async () => {
    await db.sql`insert into llm_usage (tenant_id, model, purpose, input_tokens, output_tokens) values
      (${tenantB}, 'claude-sonnet-4-5', 'draft', 1, 1), (${tenantB}, 'claude-sonnet-4-5', 'draft-rejected', 1, 1), (${tenantB}, 'claude-sonnet-4-5', 'draft', 1, 1)`;
    expect(await countAiDraftsThisMonth(db.sql, tenantB)).toBe(3);
    expect(await countAiDraftsThisMonth(db.sql, tenantA)).toBe(0);
    const before = api.requests.length;
    const result = await createSiteFromAiDraft(db.sql, client, { tenantId: tenantB, userId: null, name: '다른 가게', slug: 'other-shop', description, language: 'ko' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].message).toMatch(/이번 달 AI 초안.*최대 3개.*요금제/);
    expect(api.requests.length).toBe(before);
  });
});

describe('rewrite a section', () => {
  it('returns the rewritten section and records the tokens against the site', async () => {
    const [site] = await db.sql<{ id: string }[]>`select id from sites where tenant_id = ${tenantA} limit 1`;
    const about = createSiteDocument('cafe', { siteName: '카페' }).pages[0].sections.find((s) => s.type === 'about') as SectionOf<'about'>;
    api.script({ kind: 'tool_use', input: { ...about, body: '갓 구운 빵 냄새가 나는 작은 가게입니다.' } });
    const result = await rewriteSiteSection(db.sql, client, { tenantId: tenantA, siteId: site.id, section: about, instruction: '짧고 따뜻하게' });
    expect(result).toEqual({ ok: true, section: { ...about, body: '갓 구운 빵 냄새가 나는 작은 가게입니다.' } });
    const rows = await usageRows();
    expect(rows).toEqual([expect.objectContaining({ tenant_id: tenantA, site_id: site.id, purpose: 'rewrite' })]);
  });

  it('answers 404 for another workspace’s site and 503 without AI', async () => {
    const [site] = await db.sql<{ id: string }[]>`select id from sites where tenant_id = ${tenantA} limit 1`;
    const about = createSiteDocument('cafe', { siteName: '카페' }).pages[0].sections[1];
    expect(await rewriteSiteSection(db.sql, client, { tenantId: tenantB, siteId: site.id, section: about, instruction: '짧게' })).toMatchObject({ ok: false, status: 404 });
    expect(await rewriteSiteSection(db.sql, null, { tenantId: tenantA, siteId: site.id, section: about, instruction: '짧게' })).toMatchObject({ ok: false, status: 503, message: AI_NOT_CONFIGURED_MESSAGE });
  });
});
