import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withTenant } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { createSiteDocument, renderSite } from '../site/index.ts';
import { deleteExpiredSubmissions, EMAIL_NOT_CONFIGURED_MESSAGE, FORM_BODY_LIMIT_BYTES } from './contact-forms.ts';
import { activateDeployment, deploySite, startEdge, type Edge } from './index.ts';
import { insertTenant, pollUntil } from './test-fixtures.ts';

let db: TestDatabase;
let dataDir: string;
let edge: Edge;
let tenant: string;
let siteId: string;
let webhook: http.Server;
let webhookUrl: string;
const webhookBodies: unknown[] = [];

/** Publishes the restaurant template the way the worker does: version → build → deployment. */
async function publishRestaurant(slug: string): Promise<{ siteId: string; deploymentId: string }> {
  const document = createSiteDocument('restaurant', { siteName: '한식당 온' });
  const [site] = await db.sql<{ id: string }[]>`
    insert into sites (tenant_id, name, slug, template, document) values (${tenant}, '한식당 온', ${slug}, 'restaurant', ${db.sql.json(document as never)}) returning id`;
  const [version] = await db.sql<{ id: string }[]>`
    insert into site_versions (tenant_id, site_id, number, document, reason) values (${tenant}, ${site.id}, 1, ${db.sql.json(document as never)}, 'publish') returning id`;
  const [build] = await db.sql<{ id: string }[]>`
    insert into builds (tenant_id, site_id, version_id, status) values (${tenant}, ${site.id}, ${version.id}, 'succeeded') returning id`;
  const files = renderSite(document, { siteUrl: `http://${slug}.localhost`, assets: new Map(), hostingProvider: 'local' });
  const { deploymentId } = await deploySite(db.sql, { tenantId: tenant, siteId: site.id, buildId: build.id, files, dataDir });
  await activateDeployment(db.sql, { tenantId: tenant, siteId: site.id, deploymentId });
  return { siteId: site.id, deploymentId };
}

function post(host: string, urlPath: string, body: string | Buffer, contentType = 'application/x-www-form-urlencoded') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: edge.port, path: urlPath, method: 'POST', headers: { host, 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const valid = { name: '김손님', phone: '010-1234-5678', message: '토요일 저녁 12명 예약 가능할까요?', consent: 'yes', page: 'reservation', website: '' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const submissions = () => db.sql<{ id: string; section_id: string; fields: Record<string, string>; expires_at: Date; created_at: Date; ip_hash: string | null; notified_at: Date | null; notify_error: string | null }[]>`
  select id, section_id, fields, expires_at, created_at, ip_hash, notified_at, notify_error from contact_submissions where site_id = ${siteId} order by created_at`;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-forms-'));
  tenant = await insertTenant(db.sql, '한식당 온');
  ({ siteId } = await publishRestaurant('hansik-on'));
  webhook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      webhookBodies.push(JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  edge = await startEdge({ sql: db.sql, dataDir, host: '127.0.0.1', port: 0, baseDomain: 'localhost', resyncIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await edge?.close();
  webhook?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('contact forms on the edge', () => {
  it('stores a valid submission with its retention period and thanks the visitor in the site’s design', async () => {
    const res = await post('hansik-on.localhost', '/__forms/reservation', form(valid));
    expect(res.status).toBe(200);
    expect(res.body).toContain('접수되었습니다');
    expect(res.body).toContain('한식당 온');
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    const [row] = await submissions();
    expect(row.section_id).toBe('reservation');
    expect(row.fields).toEqual({ name: '김손님', phone: '010-1234-5678', message: '토요일 저녁 12명 예약 가능할까요?' });
    // the restaurant's form promises 3 months
    const months = (row.expires_at.getTime() - row.created_at.getTime()) / (1000 * 60 * 60 * 24 * 30);
    expect(months).toBeGreaterThan(2.9);
    expect(months).toBeLessThan(3.1);
    expect(row.ip_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(row.ip_hash).not.toContain('127.0.0.1');
  });

  it('answers a filled honeypot as if it worked and stores nothing', async () => {
    const before = (await submissions()).length;
    const res = await post('hansik-on.localhost', '/__forms/reservation', form({ ...valid, website: 'http://spam.example' }));
    expect(res.status).toBe(200);
    expect(res.body).toContain('접수되었습니다');
    expect((await submissions()).length).toBe(before);
  });

  it('shows what to fix when consent is missing or a field is empty, and stores nothing', async () => {
    const before = (await submissions()).length;
    const res = await post('hansik-on.localhost', '/__forms/reservation', form({ ...valid, consent: '', name: '' }));
    expect(res.status).toBe(400);
    expect(res.body).toContain('동의란에 체크해 주세요');
    expect(res.body).toContain('양식으로 돌아가기');
    expect((await submissions()).length).toBe(before);
  });

  it('refuses unknown forms, other content types and bodies over 16 KB', async () => {
    expect((await post('hansik-on.localhost', '/__forms/not-a-form', form(valid))).status).toBe(404);
    expect((await post('hansik-on.localhost', '/__forms/reservation', JSON.stringify(valid), 'application/json')).status).toBe(415);
    const big = await post('hansik-on.localhost', '/__forms/reservation', form({ ...valid, message: 'ㄱ'.repeat(FORM_BODY_LIMIT_BYTES) }));
    expect(big.status).toBe(413);
    expect((await post('nobody.localhost', '/__forms/reservation', form(valid))).status).toBe(404);
  });

  it('posts a webhook notice, and records that e-mail cannot be sent without a mail server', async () => {
    await db.sql`update sites set form_notify_webhook_url = ${webhookUrl}, form_notify_email = 'owner@hansik.kr' where id = ${siteId}`;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await post('hansik-on.localhost', '/__forms/reservation', form({ ...valid, name: '이웹훅' }));
    expect(res.status).toBe(200);
    const row = await pollUntil(async () => (await submissions()).find((r) => r.fields.name === '이웹훅' && r.notify_error !== null), 'the notice outcome');
    expect(row.notified_at).not.toBeNull();
    expect(row.notify_error).toBe(EMAIL_NOT_CONFIGURED_MESSAGE);
    expect(webhookBodies).toEqual([expect.objectContaining({ type: 'contact_submission', siteId, sectionId: 'reservation', submissionId: row.id, fields: expect.objectContaining({ name: '이웹훅' }) })]);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('no SMTP server is configured'));
    errors.mockRestore();
  });

  it('deletes submissions whose retention period has ended, and only those', async () => {
    const all = await submissions();
    await withTenant(db.sql, tenant, (tx) => tx`update contact_submissions set created_at = now() - interval '2 years', expires_at = now() - interval '1 day' where id = ${all[0].id}`);
    expect(await deleteExpiredSubmissions(db.sql)).toBe(1);
    const left = await submissions();
    expect(left.map((r) => r.id)).toEqual(all.slice(1).map((r) => r.id));
  });
});
