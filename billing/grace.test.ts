import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateDeployment, deploySite, SITE_LIVE_CHANNEL, startEdge, type Edge } from '../cdn/index.ts';
import { insertSite, pollUntil, request, siteFiles } from '../cdn/test-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startTossContractServer, type TossContractServer } from './contract/toss-contract-server.ts';
import {
  assertCanPublish, changePlan, chargeInvoice, createMonthlyInvoice, createTossClient, EDGE_SITE_CHANNEL, getBillingOverview,
  getSubscription, GRACE_PERIOD_DAYS, registerCard, startTrial, suspendAfterGrace, type TossClient,
} from './index.ts';

let db: TestDatabase;
let server: TossContractServer;
let toss: TossClient;
let edge: Edge;
let dataDir: string;
const encryptionKey = randomBytes(32);
const kst = (text: string) => new Date(`${text}+09:00`);
const noUsage = { apiCalls: 0, customDomainYearsStarting: 0 };

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTossContractServer();
  toss = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [0, 0, 0] });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-grace-'));
  // An hour between re-syncs: whatever the edge does within a test, a notification made it do.
  edge = await startEdge({ sql: db.sql, dataDir, host: '127.0.0.1', port: 0, baseDomain: 'localhost', resyncIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await edge?.close();
  await server?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A basic-plan workspace with a card and one published site, and its November invoice. */
async function publishedWorkspace(name: string, slug: string, declineWith: string | null) {
  const [{ id: tenantId }] = await db.sql<{ id: string }[]>`insert into tenants (name) values (${name}) returning id`;
  const subscription = await startTrial(db.sql, tenantId, { now: kst('2026-11-20T10:00:00') });
  const authKey = server.createAuthKey(subscription.tossCustomerKey, { declineWith });
  await registerCard(db.sql, toss, { tenantId, authKey, customerKey: subscription.tossCustomerKey, encryptionKey });
  const billingKey = server.billingKeys().at(-1)!;
  await changePlan(db.sql, tenantId, 'basic', { now: kst('2026-11-25T00:00:00') });
  const siteId = await insertSite(db.sql, tenantId, slug);
  const { deploymentId } = await deploySite(db.sql, { tenantId, siteId, buildId: null, files: siteFiles(slug, 2), dataDir });
  await activateDeployment(db.sql, { tenantId, siteId, deploymentId });
  const { invoice } = await createMonthlyInvoice(db.sql, tenantId, '2026-11', noUsage, { now: kst('2026-12-01T00:00:00') });
  return { tenantId, siteId, billingKey, invoiceId: invoice.id };
}

const visit = (slug: string) => request(edge.port, `${slug}.localhost`, '/');
const servedBy = (slug: string) => pollUntil(async () => ((await visit(slug)).status === 200 ? true : undefined), `${slug} served`, 2_000);
const tenantRow = async (tenantId: string) =>
  (await db.sql<{ status: string; suspendedReason: string | null }[]>`select status, suspended_reason as "suspendedReason" from tenants where id = ${tenantId}`)[0];

describe('the grace period after dunning', () => {
  it('keeps the sites up for the grace period, then suspends them with a paused page, and paying serves them again at once', async () => {
    const unpaid = await publishedWorkspace('밀린 가게', 'late-bakery', 'REJECT_CARD_COMPANY');
    const neighbour = await publishedWorkspace('이웃 가게', 'good-bakery', null);
    await servedBy('late-bakery');
    await servedBy('good-bakery');

    const day0 = kst('2026-12-01T09:00:00');
    const at = (days: number, hours = 0) => new Date(day0.getTime() + days * 86_400_000 + hours * 3_600_000);
    const charge = (now: Date, ownerInitiated = false) => chargeInvoice(db.sql, toss, unpaid.invoiceId, { encryptionKey, now, ownerInitiated });
    expect(await chargeInvoice(db.sql, toss, neighbour.invoiceId, { encryptionKey, now: day0 })).toMatchObject({ outcome: 'paid' });

    // Dunning: the first attempt and the retries on days 1, 3 and 7 all fail.
    for (const day of [0, 1, 3]) expect(await charge(at(day))).toMatchObject({ outcome: 'declined', limited: false });
    expect(await charge(at(7))).toMatchObject({ outcome: 'declined', limited: true });
    const subscription = await getSubscription(db.sql, unpaid.tenantId);
    expect(subscription?.status).toBe('limited');
    // 8 Dec 09:00 KST + 14 days = 22 Dec 09:00 KST.
    expect(GRACE_PERIOD_DAYS).toBe(14);
    expect(subscription?.graceEndsAt).toEqual(kst('2026-12-22T09:00:00'));
    expect(await tenantRow(unpaid.tenantId)).toEqual({ status: 'limited', suspendedReason: null });

    // During the grace period the owner is told the date, and the site is still served.
    const during = await getBillingOverview(db.sql, unpaid.tenantId, { now: at(10) });
    expect(during.notices.map((n) => n.message)).toContainEqual(expect.stringContaining('2026년 12월 22일까지 사이트가 유지됩니다. 그 전에 결제하시면'));
    expect(await suspendAfterGrace(db.sql, kst('2026-12-22T08:59:59'))).toEqual([]);
    expect((await visit('late-bakery')).status).toBe(200);

    // The grace period ends: suspended (twice is the same as once), the edge drops the site.
    expect(await suspendAfterGrace(db.sql, kst('2026-12-22T09:00:00'))).toEqual([unpaid.tenantId]);
    expect(await suspendAfterGrace(db.sql, kst('2026-12-22T09:15:00'))).toEqual([]);
    expect(await tenantRow(unpaid.tenantId)).toEqual({ status: 'suspended', suspendedReason: 'unpaid' });
    const paused = await pollUntil(async () => {
      const answer = await visit('late-bakery');
      return answer.status === 503 ? answer : undefined;
    }, 'the paused page', 2_000);
    expect(paused.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(paused.body.toString()).toContain('이 사이트는 일시 중지되었습니다');
    expect((await visit('no-such-bakery')).status).toBe(404);
    expect((await visit('good-bakery')).status).toBe(200);
    await expect(assertCanPublish(db.sql, unpaid.tenantId)).rejects.toMatchObject({ code: 'WORKSPACE_LIMITED', message: expect.stringContaining('일시 중지') });
    const suspendedOverview = await getBillingOverview(db.sql, unpaid.tenantId, { now: at(22) });
    expect(suspendedOverview.notices.map((n) => n.message)).toContainEqual(expect.stringContaining('사이트가 일시 중지되었습니다'));
    const [audit] = await db.sql`select detail from audit_log where tenant_id = ${unpaid.tenantId} and action = 'billing.workspace_suspended'`;
    expect(audit.detail).toMatchObject({ reason: 'grace_period_ended', sites: 1 });

    // The owner pays from the billing page: active again, and the edge is told at once.
    const notices: string[] = [];
    const listening = await db.sql.listen(EDGE_SITE_CHANNEL, (payload) => notices.push(payload));
    try {
      server.setDecline(unpaid.billingKey, null);
      expect(await charge(at(23), true)).toMatchObject({ outcome: 'paid' });
      expect(await tenantRow(unpaid.tenantId)).toEqual({ status: 'active', suspendedReason: null });
      expect((await getSubscription(db.sql, unpaid.tenantId))?.graceEndsAt).toBeNull();
      await pollUntil(async () => (notices.length ? true : undefined), 'the site_live notification', 2_000);
      expect(notices.map((n) => JSON.parse(n))).toEqual([{ siteId: unpaid.siteId }]);
    } finally {
      await listening.unlisten();
    }
    await servedBy('late-bakery');
    await expect(assertCanPublish(db.sql, unpaid.tenantId)).resolves.toBeUndefined();
    expect((await visit('good-bakery')).status).toBe(200);
  });

  it('announces on the edge’s own channel', () => {
    expect(EDGE_SITE_CHANNEL).toBe(SITE_LIVE_CHANNEL);
  });

  it('never lifts an admin’s suspension when the workspace pays, and never shows its sites as paused for payment', async () => {
    const ws = await publishedWorkspace('정지된 가게', 'admin-paused', 'REJECT_CARD_COMPANY');
    await servedBy('admin-paused');
    const day0 = kst('2026-12-01T09:00:00');
    for (const day of [0, 1, 3, 7]) await chargeInvoice(db.sql, toss, ws.invoiceId, { encryptionKey, now: new Date(day0.getTime() + day * 86_400_000) });
    // A platform admin suspends it (as setTenantStatus does: the status alone).
    await db.sql`update tenants set status = 'suspended' where id = ${ws.tenantId}`;
    expect(await tenantRow(ws.tenantId)).toEqual({ status: 'suspended', suspendedReason: null });
    expect(await suspendAfterGrace(db.sql, kst('2027-01-01T00:00:00'))).toEqual([]);
    await edge.resync();
    expect((await visit('admin-paused')).status).toBe(404);
    server.setDecline(ws.billingKey, null);
    expect(await chargeInvoice(db.sql, toss, ws.invoiceId, { encryptionKey, now: kst('2026-12-10T00:00:00'), ownerInitiated: true })).toMatchObject({ outcome: 'paid' });
    expect((await tenantRow(ws.tenantId)).status).toBe('suspended');
  });
});
