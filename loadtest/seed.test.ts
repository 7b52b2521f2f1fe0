// The load-test seed against a real web server and database: it grants each account the
// load-test plan before making several sites (the free trial allows one), and a second run
// reuses what is there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWeb, type TestWeb } from '../web/server/testing.ts';
import { LOADTEST_PLAN, ownerEmail, seedLoadtest, SeedError } from './seed.ts';

let web: TestWeb;

beforeAll(async () => {
  web = await startTestWeb();
}, 120_000);
afterAll(async () => {
  await web?.stop();
});

async function accountsOnPlan(): Promise<{ email: string; planCode: string; granted: boolean; sites: number }[]> {
  return web.db.sql<{ email: string; planCode: string; granted: boolean; sites: number }[]>`
    select u.email, s.plan_code as "planCode", s.granted_at is not null as granted,
           (select count(*)::int from sites where tenant_id = m.tenant_id) as sites
    from users u join memberships m on m.user_id = u.id join subscriptions s on s.tenant_id = m.tenant_id
    where u.email like 'loadtest-owner-%' order by u.email`;
}

describe('seedLoadtest', () => {
  it('grants each account the load-test plan, then gives it more sites than the free trial allows', async () => {
    const seed = await seedLoadtest({ sql: web.db.sql, webUrl: web.baseUrl, edgeUrl: 'http://127.0.0.1:9', owners: 6, publishedSites: 0, maxAccounts: 2 });
    expect(seed.owners).toHaveLength(6);
    expect(new Set(seed.owners.map((o) => o.siteId)).size).toBe(6);
    expect(seed.owners.slice(0, 2).map((o) => o.email)).toEqual([ownerEmail(1), ownerEmail(2)]);
    expect(await accountsOnPlan()).toEqual([
      { email: ownerEmail(1), planCode: LOADTEST_PLAN, granted: true, sites: 3 },
      { email: ownerEmail(2), planCode: LOADTEST_PLAN, granted: true, sites: 3 },
    ]);

    const again = await seedLoadtest({ sql: web.db.sql, webUrl: web.baseUrl, edgeUrl: 'http://127.0.0.1:9', owners: 6, publishedSites: 0, maxAccounts: 2 });
    expect(again.owners.map((o) => o.siteId)).toEqual(seed.owners.map((o) => o.siteId));
    const [{ grants }] = await web.db.sql<{ grants: number }[]>`select count(*)::int as grants from audit_log where action = 'billing.plan_granted'`;
    expect(grants).toBe(2);
  }, 120_000);

  it('says which setting to change when one account would need more sites than the plan allows', async () => {
    const refused = await seedLoadtest({ sql: web.db.sql, webUrl: web.baseUrl, edgeUrl: 'http://127.0.0.1:9', owners: 51, publishedSites: 0, maxAccounts: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SeedError);
    expect((refused as Error).message).toMatch(/need 51 sites per account; the Enterprise plan allows 50\. Raise maxAccounts/);
  });
});
