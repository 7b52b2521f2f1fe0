import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startTossContractServer, type TossContractServer } from './contract/toss-contract-server.ts';
import { changePlan, getInvoice, registerCard, startTrial } from './index.ts';
import { BILLING_CHARGE_QUEUE, BILLING_CLOSE_MONTH_QUEUE, previousPeriod, startBillingJobs } from './jobs.ts';
import { createTossClient, type TossClient } from './toss-client.ts';
import { billingPeriod } from './periods.ts';

let db: TestDatabase;
let server: TossContractServer;
let jobs: Awaited<ReturnType<typeof startBillingJobs>>;
let toss: TossClient;
const encryptionKey = randomBytes(32);

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTossContractServer();
  toss = createTossClient({ secretKey: server.secretKey, baseUrl: server.url, retryDelaysMs: [0, 0] });
  jobs = await startBillingJobs({
    sql: db.sql,
    databaseUrl: db.url,
    toss,
    encryptionKey,
    usageSource: async () => ({ apiCalls: 0, customDomainYearsStarting: 0 }),
  });
});
afterAll(async () => {
  await jobs?.stop();
  await server?.close();
  await db?.drop();
});

async function waitFor<T>(read: () => Promise<T | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('scheduled billing jobs', () => {
  it('registers the month close and the due-charge schedules in Korea time', async () => {
    const schedules = await jobs.boss.getSchedules();
    const byName = new Map(schedules.map((s) => [s.name, s]));
    expect(byName.get(BILLING_CLOSE_MONTH_QUEUE)).toMatchObject({ cron: '5 0 1 * *', options: expect.objectContaining({ tz: 'Asia/Seoul' }) });
    expect(byName.get(BILLING_CHARGE_QUEUE)).toMatchObject({ cron: '*/15 * * * *', options: expect.objectContaining({ tz: 'Asia/Seoul' }) });
  });

  it('invoices the closed month from a job, then charges it from the next job — once', async () => {
    const period = previousPeriod(new Date());
    const { start } = billingPeriod(period);
    const [{ id: tenantId }] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('잡 가게') returning id`;
    const subscription = await startTrial(db.sql, tenantId, { now: new Date(start.getTime() + 3_600_000) });
    await registerCard(db.sql, toss, { tenantId, authKey: server.createAuthKey(subscription.tossCustomerKey), customerKey: subscription.tossCustomerKey, encryptionKey });
    // Basic for the whole month: 30,000 + VAT 3,000.
    await changePlan(db.sql, tenantId, 'basic', { now: start });

    await jobs.boss.send(BILLING_CLOSE_MONTH_QUEUE, { kind: 'close-month', period });
    const invoiceId = await waitFor(async () => {
      const [row] = await db.sql<{ id: string }[]>`select id from invoices where tenant_id = ${tenantId} and period = ${period}`;
      return row?.id;
    });
    expect((await getInvoice(db.sql, tenantId, invoiceId))?.invoice.totalKrw).toBe(33_000);

    await jobs.boss.send(BILLING_CHARGE_QUEUE, { kind: 'charge-due' });
    await jobs.boss.send(BILLING_CHARGE_QUEUE, { kind: 'charge-due' });
    await waitFor(async () => (await getInvoice(db.sql, tenantId, invoiceId))?.invoice.status === 'paid');
    await new Promise((r) => setTimeout(r, 1500)); // let the second job finish too
    expect(server.charges.filter((c) => c.customerKey === subscription.tossCustomerKey)).toHaveLength(1);
  });
});
