import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import { deleteSubmission, getFormNotifySettings, listSubmissions, saveFormNotifySettings } from './submissions.server.ts';

let db: TestDatabase;
let tenantA: string;
let tenantB: string;
let siteA: string;
let submissionA: string;

beforeAll(async () => {
  db = await createTestDatabase();
  [{ id: tenantA }, { id: tenantB }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('가게 A'), ('가게 B') returning id`;
  [{ id: siteA }] = await db.sql<{ id: string }[]>`insert into sites (tenant_id, name, slug, template, document) values (${tenantA}, 'A', 'shop-a', 'cafe', '{}') returning id`;
  [{ id: submissionA }] = await db.sql<{ id: string }[]>`
    insert into contact_submissions (tenant_id, site_id, section_id, fields, consent_at, expires_at)
    values (${tenantA}, ${siteA}, 'contact', ${db.sql.json({ name: '김손님', phone: '010-1234-5678', message: '문의' })}, now(), now() + interval '3 months')
    returning id`;
  await db.sql`insert into contact_submissions (tenant_id, site_id, section_id, fields, consent_at, created_at, expires_at)
    values (${tenantA}, ${siteA}, 'contact', '{"name":"만료"}', now() - interval '1 year', now() - interval '1 year', now() - interval '1 minute')`;
});
afterAll(() => db?.drop());

describe('the owner’s contact submissions', () => {
  it('lists the site’s submissions that have not expired', async () => {
    const rows = await listSubmissions(db.sql, tenantA, siteA);
    expect(rows?.map((r) => r.fields.name)).toEqual(['김손님']);
  });

  it('gives another workspace nothing: null for the list (404) and no deletion', async () => {
    expect(await listSubmissions(db.sql, tenantB, siteA)).toBeNull();
    expect(await deleteSubmission(db.sql, tenantB, siteA, submissionA)).toBe(false);
    expect(await getFormNotifySettings(db.sql, tenantB, siteA)).toBeNull();
    expect(await saveFormNotifySettings(db.sql, tenantB, siteA, { webhookUrl: '', email: 'x@y.kr' })).toBeNull();
    expect((await listSubmissions(db.sql, tenantA, siteA))?.length).toBe(1);
  });

  it('saves where new submissions are announced, refusing a bad address in Korean', async () => {
    expect(await saveFormNotifySettings(db.sql, tenantA, siteA, { webhookUrl: 'javascript:alert(1)', email: 'nope' })).toEqual({
      ok: false,
      errors: [expect.objectContaining({ field: 'webhookUrl', message: expect.stringContaining('https://') }), expect.objectContaining({ field: 'email' })],
    });
    expect(await saveFormNotifySettings(db.sql, tenantA, siteA, { webhookUrl: 'https://hooks.example.com/a', email: 'owner@shop.kr' })).toEqual({ ok: true });
    expect(await getFormNotifySettings(db.sql, tenantA, siteA)).toEqual({ webhookUrl: 'https://hooks.example.com/a', email: 'owner@shop.kr' });
  });

  it('deletes one submission', async () => {
    expect(await deleteSubmission(db.sql, tenantA, siteA, submissionA)).toBe(true);
    expect(await listSubmissions(db.sql, tenantA, siteA)).toEqual([]);
  });
});
