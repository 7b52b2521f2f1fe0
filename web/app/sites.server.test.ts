import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantPlan } from '../../billing/index.ts';
import { importSiteDocument } from './export.server.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import { templates, validateSiteDocument, type SiteDocument } from '../../site/index.ts';
import {
  AUTOSAVE_VERSION_INTERVAL_SECONDS,
  checkSlug,
  createSite,
  getAsset,
  getSite,
  getVersionDocument,
  listAssets,
  listSites,
  listVersions,
  MAX_IMAGE_DIMENSION,
  NOT_AN_IMAGE_MESSAGE,
  restoreVersion,
  saveDocument,
  siteLimitReached,
  SLUG_TAKEN_MESSAGE,
  uploadAsset,
  uploadTooLargeMessage,
} from './sites.server.ts';

let db: TestDatabase;
let tenantA: string;
let tenantB: string;
/** A workspace left on the free trial (1 site, 5 pages); A and B are granted 엔터프라이즈 (50 sites). */
let tenantTrial: string;
const userA = 'user-a';
const userB = 'user-b';

beforeAll(async () => {
  db = await createTestDatabase();
  [{ id: tenantA }, { id: tenantB }] = await db.sql<{ id: string }[]>`
    insert into tenants (name) values ('카페 모모'), ('다른 가게') returning id`;
  [{ id: tenantTrial }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('체험 가게') returning id`;
  await db.sql`insert into users (id, email, password_hash, display_name) values
    (${userA}, 'a@example.com', 'x', '김사장'), (${userB}, 'b@example.com', 'x', '')`;
  // These workspaces make many sites; the trial allows one (the plan limits have their own tests).
  await grantPlan(db.sql, tenantA, 'enterprise', { userId: null });
  await grantPlan(db.sql, tenantB, 'enterprise', { userId: null });
});
afterAll(() => db.drop());

let slugCounter = 0;
function freshSlug(prefix = 'site'): string {
  slugCounter += 1;
  return `${prefix}-${slugCounter}-${randomUUID().slice(0, 6)}`;
}

async function newSite(tenantId = tenantA, templateId = templates[0].id) {
  const result = await createSite(db.sql, { tenantId, userId: tenantId === tenantA ? userA : tenantId === tenantB ? userB : null, name: '카페 모모', slug: freshSlug(), templateId });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.site;
}

async function countRows(table: 'sites' | 'site_versions' | 'assets'): Promise<number> {
  const [row] = await db.sql.unsafe<{ count: number }[]>(`select count(*)::int as count from ${table}`);
  return row.count;
}

/** The document with another site name: the smallest edit every template supports. */
function firstTextPath(doc: SiteDocument): { change(text: string): SiteDocument } {
  return { change: (name) => ({ ...structuredClone(doc), name }) };
}

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 60 } } }).png().toBuffer();
}

describe('createSite', () => {
  it('creates a site from every template with a valid document and a first version', async () => {
    for (const template of templates) {
      const slug = freshSlug(template.id);
      const result = await createSite(db.sql, { tenantId: tenantA, userId: userA, name: `${template.name} 사이트`, slug, templateId: template.id });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) continue;
      expect(result.site.slug).toBe(slug);
      expect(result.site.revision).toBe(1);
      expect(validateSiteDocument(result.site.document).ok).toBe(true);
      const versions = await listVersions(db.sql, tenantA, result.site.id);
      expect(versions?.map((v) => [v.number, v.reason, v.createdByName])).toEqual([[1, 'create', '김사장']]);
    }
  });

  it('refuses malformed and reserved addresses with Korean messages and stores nothing', async () => {
    const before = await countRows('sites');
    const cases: [string, RegExp][] = [
      ['ab', /3자 이상/],
      ['My-Cafe', /소문자/],
      ['카페', /영문 소문자, 숫자, 하이픈/],
      ['-cafe', /하이픈/],
      ['cafe-', /하이픈/],
      ['a'.repeat(41), /40자 이하/],
      ['admin', /예약된 주소/],
      ['www', /예약된 주소/],
      ['', /입력해 주세요/],
    ];
    for (const [slug, message] of cases) {
      const result = await createSite(db.sql, { tenantId: tenantA, userId: userA, name: '카페', slug, templateId: templates[0].id });
      expect(result.ok, slug).toBe(false);
      if (!result.ok) expect(result.errors.find((e) => e.field === 'slug')?.message, slug).toMatch(message);
    }
    expect(await countRows('sites')).toBe(before);
  });

  it('refuses an address another workspace already uses, without revealing whose it is', async () => {
    const taken = await newSite(tenantA);
    const before = await countRows('sites');
    const result = await createSite(db.sql, { tenantId: tenantB, userId: userB, name: '다른 가게', slug: taken.slug, templateId: templates[0].id });
    expect(result).toEqual({ ok: false, errors: [{ field: 'slug', message: SLUG_TAKEN_MESSAGE }] });
    expect(await checkSlug(db.sql, tenantB, taken.slug)).toEqual({ ok: false, message: SLUG_TAKEN_MESSAGE });
    expect(await checkSlug(db.sql, tenantB, freshSlug('free'))).toEqual({ ok: true });
    expect(await countRows('sites')).toBe(before);
  });

  it('gives only one of two simultaneous creations the same address', async () => {
    const slug = freshSlug('race');
    const results = await Promise.all([
      createSite(db.sql, { tenantId: tenantA, userId: userA, name: 'A', slug, templateId: templates[0].id }),
      createSite(db.sql, { tenantId: tenantB, userId: userB, name: 'B', slug, templateId: templates[0].id }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok);
    expect(loser && !loser.ok && loser.errors[0].message).toBe(SLUG_TAKEN_MESSAGE);
  });

  it('asks for a name and a known template', async () => {
    const result = await createSite(db.sql, { tenantId: tenantA, userId: userA, name: '   ', slug: freshSlug(), templateId: 'no-such' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field).sort()).toEqual(['name', 'template']);
  });
});

describe("the plan's site and page limits at creation", () => {
  const trialMessage = '무료 체험 요금제의 사이트는 최대 1개입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.';
  async function freshWorkspace(name: string): Promise<string> {
    const [{ id }] = await db.sql<{ id: string }[]>`insert into tenants (name) values (${name}) returning id`;
    return id;
  }
  const create = (tenantId: string, slug = freshSlug('plan')) =>
    createSite(db.sql, { tenantId, userId: null, name: '가게', slug, templateId: templates[0].id });
  const sitesOf = async (tenantId: string) =>
    (await db.sql<{ n: number }[]>`select count(*)::int as n from sites where tenant_id = ${tenantId}`)[0].n;

  it('refuses a second site on the free trial with the plan named and a link to /billing, storing nothing', async () => {
    const tenant = await freshWorkspace('체험 한 곳');
    expect(await siteLimitReached(db.sql, tenant)).toBeNull();
    expect((await create(tenant)).ok).toBe(true);
    const versionsBefore = await countRows('site_versions');
    const refused = await create(tenant, 'plan-second-site');
    expect(refused).toEqual({ ok: false, errors: [{ field: 'plan', message: trialMessage }], upgradeUrl: '/billing' });
    expect(await sitesOf(tenant)).toBe(1);
    expect(await countRows('site_versions')).toBe(versionsBefore);
    expect(await checkSlug(db.sql, tenant, 'plan-second-site')).toEqual({ ok: true }); // the address was not taken either
    expect(await siteLimitReached(db.sql, tenant)).toEqual({ message: trialMessage, upgradeUrl: '/billing' });
  });

  it('lets the site be created once the workspace is on a plan with room (기본: 3 sites)', async () => {
    const tenant = await freshWorkspace('기본으로 올린 가게');
    expect((await create(tenant)).ok).toBe(true);
    expect((await create(tenant)).ok).toBe(false);
    await grantPlan(db.sql, tenant, 'basic', { userId: null });
    expect((await create(tenant)).ok).toBe(true);
    expect((await create(tenant)).ok).toBe(true);
    const fourth = await create(tenant);
    expect(fourth.ok === false && fourth.errors[0].message).toMatch(/^기본 요금제의 사이트는 최대 3개입니다\./);
    expect(await sitesOf(tenant)).toBe(3);
  });

  it('never lets simultaneous creations pass the limit together', async () => {
    const trial = await freshWorkspace('동시에 만드는 체험');
    const trialResults = await Promise.all([1, 2, 3, 4].map(() => create(trial)));
    expect(trialResults.filter((r) => r.ok)).toHaveLength(1);
    expect(trialResults.filter((r) => !r.ok).map((r) => !r.ok && r.errors[0].field)).toEqual(['plan', 'plan', 'plan']);
    expect(await sitesOf(trial)).toBe(1);

    const basic = await freshWorkspace('동시에 만드는 기본');
    await grantPlan(db.sql, basic, 'basic', { userId: null });
    const basicResults = await Promise.all([1, 2, 3, 4, 5, 6].map(() => create(basic)));
    expect(basicResults.filter((r) => r.ok)).toHaveLength(3);
    expect(await sitesOf(basic)).toBe(3);
  });

  it("counts only the workspace's own sites", async () => {
    const tenant = await freshWorkspace('옆 가게와 무관한 체험');
    // tenantA already holds many sites: none of them count against this workspace's one.
    expect((await create(tenant)).ok).toBe(true);
    const other = await freshWorkspace('또 다른 체험');
    expect((await create(other)).ok).toBe(true);
  });

  it("refuses an image that would take the workspace past the plan's storage, storing nothing", async () => {
    const tenant = await freshWorkspace('사진 많은 체험');
    const created = await create(tenant);
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    // Already 200MB − 100 bytes stored (the trial allows 200MB): any real image is too much.
    await db.sql`insert into assets (tenant_id, site_id, file_name, content_type, bytes, sha256, data)
                 values (${tenant}, ${created.site.id}, 'old.png', 'image/png', ${200 * 1024 * 1024 - 100}, 'x', '\\x00')`;
    const refused = await uploadAsset(db.sql, { tenantId: tenant, siteId: created.site.id, userId: null, fileName: 'new.png', data: await png(40, 40) });
    expect(refused).toEqual({
      ok: false,
      message: '이미지를 올리지 못했습니다: 무료 체험 요금제의 저장 공간은 최대 200MB입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.',
      upgradeUrl: '/billing',
    });
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from assets where tenant_id = ${tenant}`;
    expect(n).toBe(1);
    await grantPlan(db.sql, tenant, 'basic', { userId: null }); // 1,024MB
    expect((await uploadAsset(db.sql, { tenantId: tenant, siteId: created.site.id, userId: null, fileName: 'new.png', data: await png(40, 40) }))?.ok).toBe(true);
  });

  it('refuses to import or restore a document with more pages than the plan allows, changing nothing', async () => {
    const tenant = await freshWorkspace('가져오기 체험');
    const created = await create(tenant);
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const site = created.site;
    const six = structuredClone(site.document) as SiteDocument;
    for (let n = 1; six.pages.length < 6; n++) {
      six.pages.push({ ...structuredClone(six.pages[0]!), id: `six-${n}`, slug: `six-${n}`, title: `여섯 ${n}`, navLabel: `여섯 ${n}`, sections: [] });
    }
    const pageLimit = '무료 체험 요금제의 사이트당 페이지는 최대 5개입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.';
    const imported = await importSiteDocument(db.sql, { tenantId: tenant, siteId: site.id, userId: null, text: JSON.stringify({ format: 'windwalker-site', document: six }) });
    expect(imported).toEqual({ ok: false, status: 403, message: `가져오지 못했습니다: ${pageLimit} 사이트는 그대로입니다.`, errors: [{ path: 'pages', message: pageLimit }], upgradeUrl: '/billing' });

    // A six-page version in the history (from a bigger plan) is not restored on the trial.
    const [version] = await db.sql<{ id: string }[]>`
      insert into site_versions (tenant_id, site_id, number, document, reason) values (${tenant}, ${site.id}, 2, ${db.sql.json(six as never)}, 'autosave') returning id`;
    const restored = await restoreVersion(db.sql, { tenantId: tenant, siteId: site.id, versionId: version.id, userId: null });
    expect(restored).toEqual({ ok: false, message: `2번 버전으로 되돌리지 못했습니다: ${pageLimit}`, upgradeUrl: '/billing' });
    expect((await getSite(db.sql, tenant, site.id))?.revision).toBe(site.revision);

    await grantPlan(db.sql, tenant, 'basic', { userId: null }); // 기본: 10 pages
    expect(await restoreVersion(db.sql, { tenantId: tenant, siteId: site.id, versionId: version.id, userId: null })).toMatchObject({ ok: true });
    expect((await importSiteDocument(db.sql, { tenantId: tenant, siteId: site.id, userId: null, text: JSON.stringify(six) })).ok).toBe(true);
  });

  it("refuses a ready document (an AI draft, an import) with more pages than the plan allows", async () => {
    const tenant = await freshWorkspace('여섯 페이지 초안');
    const doc = structuredClone((await getSite(db.sql, tenantA, (await newSite()).id))!.document) as SiteDocument;
    for (let n = 1; doc.pages.length < 6; n++) {
      doc.pages.push({ ...structuredClone(doc.pages[0]!), id: `more-${n}`, slug: `more-${n}`, title: `더 ${n}`, navLabel: `더 ${n}`, sections: [] });
    }
    const refused = await createSite(db.sql, { tenantId: tenant, userId: null, name: '초안', slug: freshSlug('draft'), templateId: 'ai', document: doc });
    expect(refused).toEqual({
      ok: false,
      errors: [{ field: 'plan', message: '무료 체험 요금제의 사이트당 페이지는 최대 5개입니다. 더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.' }],
      upgradeUrl: '/billing',
    });
    expect(await sitesOf(tenant)).toBe(0);
  });
});

describe('listSites and getSite', () => {
  it('lists only the workspace’s own sites', async () => {
    const mine = await newSite(tenantA);
    const theirs = await newSite(tenantB);
    const listA = await listSites(db.sql, tenantA);
    const listB = await listSites(db.sql, tenantB);
    expect(listA.map((s) => s.id)).toContain(mine.id);
    expect(listA.map((s) => s.id)).not.toContain(theirs.id);
    expect(listB.map((s) => s.id)).toContain(theirs.id);
    expect(listB.map((s) => s.id)).not.toContain(mine.id);
    const card = listA.find((s) => s.id === mine.id);
    expect(card).toMatchObject({ name: '카페 모모', liveDeploymentId: null, lastPublishedAt: null, latestBuild: null });
  });

  it('returns null for another workspace’s site id and for ids that are not uuids', async () => {
    const site = await newSite(tenantA);
    expect((await getSite(db.sql, tenantA, site.id))?.id).toBe(site.id);
    expect(await getSite(db.sql, tenantB, site.id)).toBeNull();
    expect(await getSite(db.sql, tenantA, 'not-a-uuid')).toBeNull();
    expect(await getSite(db.sql, tenantA, randomUUID())).toBeNull();
  });
});

describe('saveDocument', () => {
  it('stores an edit, raises the revision and keeps an autosave version', async () => {
    const site = await newSite();
    const edited = firstTextPath(site.document).change('모모 커피 로스터스');
    const result = await saveDocument(db.sql, { tenantId: tenantA, siteId: site.id, userId: userA, document: edited, baseRevision: 1 });
    expect(result).toMatchObject({ ok: true, revision: 2, versionCreated: true });
    const stored = await getSite(db.sql, tenantA, site.id);
    expect(stored?.revision).toBe(2);
    expect(stored?.document).toEqual(validateSiteDocument(edited).ok && (validateSiteDocument(edited) as { document: SiteDocument }).document);
    const versions = await listVersions(db.sql, tenantA, site.id);
    expect(versions?.map((v) => v.reason)).toEqual(['autosave', 'create']);
  });

  it('keeps at most one autosave version per minute but always stores the latest document', async () => {
    const site = await newSite();
    let revision = site.revision;
    for (const name of ['하나', '둘', '셋']) {
      const result = await saveDocument(db.sql, {
        tenantId: tenantA, siteId: site.id, userId: userA, document: firstTextPath(site.document).change(name), baseRevision: revision,
      });
      if (!result?.ok) throw new Error(JSON.stringify(result));
      revision = result.revision;
    }
    const versions = await listVersions(db.sql, tenantA, site.id);
    expect(versions?.map((v) => v.reason)).toEqual(['autosave', 'create']);
    const stored = await getSite(db.sql, tenantA, site.id);
    expect(stored?.revision).toBe(4);
    expect(JSON.stringify(stored?.document)).toContain('셋');

    // Once the window has passed, the next save opens a new autosave version.
    await db.sql`update site_versions set created_at = now() - make_interval(secs => ${AUTOSAVE_VERSION_INTERVAL_SECONDS + 5}) where site_id = ${site.id}`;
    const later = await saveDocument(db.sql, {
      tenantId: tenantA, siteId: site.id, userId: userA, document: firstTextPath(site.document).change('넷'), baseRevision: revision,
    });
    expect(later).toMatchObject({ ok: true, versionCreated: true });
    expect((await listVersions(db.sql, tenantA, site.id))?.length).toBe(3);
  });

  it("refuses to grow a site past its plan's page limit, with the plan named and a link to /billing", async () => {
    const site = await newSite(tenantTrial); // the workspace has no subscription: 무료 체험, 5 pages
    const grown = structuredClone(site.document) as SiteDocument;
    for (let n = 1; grown.pages.length < 6; n++) {
      grown.pages.push({ ...structuredClone(grown.pages[0]!), id: `extra-${n}`, slug: `extra-${n}`, title: `추가 ${n}`, navLabel: `추가 ${n}`, sections: [] });
    }
    const refused = await saveDocument(db.sql, { tenantId: tenantTrial, siteId: site.id, userId: null, document: grown, baseRevision: site.revision });
    expect(refused).toMatchObject({ ok: false, kind: 'invalid', upgradeUrl: '/billing', errors: [{ path: 'pages' }] });
    expect(refused?.ok === false && refused.message).toMatch(/무료 체험 요금제의 사이트당 페이지는 최대 5개입니다.*상위 요금제/);
    expect((await getSite(db.sql, tenantTrial, site.id))?.revision).toBe(site.revision);

    const withinPlan = { ...grown, pages: grown.pages.slice(0, 5) };
    expect(await saveDocument(db.sql, { tenantId: tenantTrial, siteId: site.id, userId: null, document: withinPlan, baseRevision: site.revision })).toMatchObject({ ok: true });
    await db.sql`delete from sites where tenant_id = ${tenantTrial}`;
  });

  it('refuses a stale revision, changes nothing and returns the stored document', async () => {
    const site = await newSite();
    const first = await saveDocument(db.sql, {
      tenantId: tenantA, siteId: site.id, userId: userA, document: firstTextPath(site.document).change('먼저 저장'), baseRevision: 1,
    });
    expect(first?.ok).toBe(true);
    const stale = await saveDocument(db.sql, {
      tenantId: tenantA, siteId: site.id, userId: userA, document: firstTextPath(site.document).change('늦은 저장'), baseRevision: 1,
    });
    expect(stale).toMatchObject({ ok: false, kind: 'conflict', currentRevision: 2 });
    if (stale && !stale.ok && stale.kind === 'conflict') {
      expect(stale.message).toMatch(/편집 중인 내용은 그대로/);
      expect(JSON.stringify(stale.currentDocument)).toContain('먼저 저장');
    }
    const stored = await getSite(db.sql, tenantA, site.id);
    expect(stored?.revision).toBe(2);
    expect(JSON.stringify(stored?.document)).toContain('먼저 저장');
    expect(JSON.stringify(stored?.document)).not.toContain('늦은 저장');
  });

  it('refuses a malformed document with Korean errors naming the field and changes nothing', async () => {
    const site = await newSite();
    const versionsBefore = await countRows('site_versions');
    for (const bad of [null, 'text', { pages: 'no' }, { ...site.document, pages: [] }, { ...site.document, theme: { colors: { primary: 'javascript:alert(1)' } } }]) {
      const result = await saveDocument(db.sql, { tenantId: tenantA, siteId: site.id, userId: userA, document: bad, baseRevision: 1 });
      expect(result).toMatchObject({ ok: false, kind: 'invalid' });
      if (result && !result.ok && result.kind === 'invalid') {
        expect(result.message).toMatch(/저장하지 못했습니다/);
        expect(result.errors.length).toBeGreaterThan(0);
        expect(result.errors[0].message).toMatch(/[가-힣]/);
      }
    }
    const stored = await getSite(db.sql, tenantA, site.id);
    expect(stored?.revision).toBe(1);
    expect(stored?.document).toEqual(site.document);
    expect(await countRows('site_versions')).toBe(versionsBefore);
  });

  it('returns null for another workspace’s site and leaves it untouched', async () => {
    const site = await newSite(tenantA);
    const result = await saveDocument(db.sql, {
      tenantId: tenantB, siteId: site.id, userId: userB, document: firstTextPath(site.document).change('침입'), baseRevision: 1,
    });
    expect(result).toBeNull();
    const stored = await getSite(db.sql, tenantA, site.id);
    expect(stored?.revision).toBe(1);
    expect(JSON.stringify(stored?.document)).not.toContain('침입');
  });
});

describe('version history', () => {
  it('restores an earlier version and keeps the edits it replaces as a version', async () => {
    const site = await newSite();
    const saved = await saveDocument(db.sql, {
      tenantId: tenantA, siteId: site.id, userId: userA, document: firstTextPath(site.document).change('새 이름'), baseRevision: 1,
    });
    if (!saved?.ok) throw new Error(JSON.stringify(saved));
    // A second edit inside the autosave window exists only in sites.document so far.
    const second = await saveDocument(db.sql, {
      tenantId: tenantA, siteId: site.id, userId: userA, document: firstTextPath(site.document).change('마지막 편집'), baseRevision: saved.revision,
    });
    if (!second?.ok) throw new Error(JSON.stringify(second));
    const versions = await listVersions(db.sql, tenantA, site.id);
    const created = versions!.find((v) => v.reason === 'create')!;

    const restored = await restoreVersion(db.sql, { tenantId: tenantA, siteId: site.id, versionId: created.id, userId: userA });
    expect(restored).toMatchObject({ ok: true, revision: second.revision + 1, versionNumber: 1 });
    const stored = await getSite(db.sql, tenantA, site.id);
    expect(stored?.document).toEqual(site.document);

    const after = await listVersions(db.sql, tenantA, site.id);
    expect(after?.map((v) => v.reason)).toEqual(['restore', 'autosave', 'autosave', 'create']);
    const keptEdit = await getVersionDocument(db.sql, tenantA, site.id, after![1].id);
    expect(JSON.stringify(keptEdit)).toContain('마지막 편집');
  });

  it('does not show or restore versions across workspaces', async () => {
    const site = await newSite(tenantA);
    const [version] = (await listVersions(db.sql, tenantA, site.id))!;
    expect(await listVersions(db.sql, tenantB, site.id)).toBeNull();
    expect(await getVersionDocument(db.sql, tenantB, site.id, version.id)).toBeNull();
    expect(await restoreVersion(db.sql, { tenantId: tenantB, siteId: site.id, versionId: version.id, userId: userB })).toBeNull();
    // Even with its own site id, a workspace cannot pull in another workspace's version.
    const own = await newSite(tenantB);
    expect(await restoreVersion(db.sql, { tenantId: tenantB, siteId: own.id, versionId: version.id, userId: userB })).toBeNull();
    expect((await listVersions(db.sql, tenantA, site.id))?.length).toBe(1);
  });
});

describe('uploadAsset', () => {
  it('stores an image with its real type, size and sha256', async () => {
    const site = await newSite();
    const data = await png(640, 480);
    const result = await uploadAsset(db.sql, { tenantId: tenantA, siteId: site.id, userId: userA, fileName: 'C:\\photos\\가게.png', data });
    expect(result).toMatchObject({ ok: true, asset: { contentType: 'image/png', width: 640, height: 480, fileName: '가게.png', bytes: data.length } });
    if (!result?.ok) return;
    const stored = await getAsset(db.sql, tenantA, result.asset.id);
    expect(stored?.data.equals(data)).toBe(true);
    expect(stored?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await listAssets(db.sql, tenantA, site.id))?.map((a) => a.id)).toEqual([result.asset.id]);
  });

  it('scales very large images down to the maximum side', async () => {
    const site = await newSite();
    const data = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const result = await uploadAsset(db.sql, { tenantId: tenantA, siteId: site.id, userId: userA, fileName: 'big.jpg', data });
    expect(result).toMatchObject({ ok: true, asset: { contentType: 'image/jpeg', width: MAX_IMAGE_DIMENSION, height: 1000 } });
    if (!result?.ok) return;
    const stored = await getAsset(db.sql, tenantA, result.asset.id);
    const meta = await sharp(stored!.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', MAX_IMAGE_DIMENSION, 1000]);
  });

  it('refuses files over the size limit, non-images and SVG, and stores nothing', async () => {
    const site = await newSite();
    const before = await countRows('assets');
    const tooLarge = await uploadAsset(db.sql, {
      tenantId: tenantA, siteId: site.id, userId: userA, fileName: 'huge.png', data: Buffer.alloc(5 * 1024 * 1024 + 1, 1),
    });
    expect(tooLarge).toEqual({ ok: false, message: uploadTooLargeMessage() });
    expect(uploadTooLargeMessage(5 * 1024 * 1024)).toBe('이미지가 5MB를 넘습니다. 더 작은 파일을 올려 주세요.');

    const fakes: [string, Buffer][] = [
      ['photo.jpg', Buffer.from('this is not an image at all')],
      ['logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>')],
      ['doc.pdf', Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n')],
    ];
    for (const [fileName, data] of fakes) {
      const result = await uploadAsset(db.sql, { tenantId: tenantA, siteId: site.id, userId: userA, fileName, data });
      expect(result, fileName).toEqual({ ok: false, message: NOT_AN_IMAGE_MESSAGE });
    }
    expect(await countRows('assets')).toBe(before);
  });

  it('keeps assets inside their workspace', async () => {
    const site = await newSite(tenantA);
    const uploaded = await uploadAsset(db.sql, { tenantId: tenantA, siteId: site.id, userId: userA, fileName: 'a.png', data: await png(10, 10) });
    if (!uploaded?.ok) throw new Error('upload failed');
    const before = await countRows('assets');
    expect(await getAsset(db.sql, tenantB, uploaded.asset.id)).toBeNull();
    expect(await listAssets(db.sql, tenantB, site.id)).toBeNull();
    expect(await uploadAsset(db.sql, { tenantId: tenantB, siteId: site.id, userId: userB, fileName: 'b.png', data: await png(10, 10) })).toBeNull();
    expect(await getAsset(db.sql, tenantA, 'nope')).toBeNull();
    expect(await countRows('assets')).toBe(before);
  });
});
