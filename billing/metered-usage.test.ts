// The usage source the worker's billing jobs use: custom domain-years and API calls read from
// the tables their modules write (cdn_domains, the api_usage_daily view), for one workspace
// and one KST month — and an honest 0 with one logged notice where a feature is not installed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { meteredUsageFromDatabase } from './index.ts';

let db: TestDatabase;
let tenantId: string;
let otherTenantId: string;

// 2026-03 in KST runs from 2026-02-28T15:00Z to 2026-03-31T15:00Z.
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  db = await createTestDatabase();
  const [a] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('도메인 가게') returning id`;
  const [b] = await db.sql<{ id: string }[]>`insert into tenants (name) values ('다른 가게') returning id`;
  tenantId = a.id;
  otherTenantId = b.id;
  for (const [tenant, slug] of [[tenantId, 'domain-shop'], [otherTenantId, 'other-shop']] as const) {
    const [site] = await db.sql<{ id: string }[]>`
      insert into sites (tenant_id, name, slug, template, document) values (${tenant}, ${slug}, ${slug}, 'cafe', '{}') returning id`;
    const domains: [string, string][] =
      tenant === tenantId
        ? [
            ['new-in-march.kr', '2026-03-10T03:00:00Z'], // connected in the month: a term starts
            ['first-kst-minute.kr', '2026-02-28T15:00:00Z'], // 00:00 KST on 1 March
            ['renews-in-march.kr', '2025-03-20T03:00:00Z'], // its second year starts in March
            ['connected-in-may.kr', '2025-05-02T03:00:00Z'], // no term starts in March
            ['after-the-month.kr', '2026-04-02T03:00:00Z'], // connected later
          ]
        : [['other-shop.kr', '2026-03-11T03:00:00Z']];
    for (const [hostname, createdAt] of domains) {
      await db.sql`insert into cdn_domains (tenant_id, site_id, hostname, provider, created_at)
                   values (${tenant}, ${site.id}, ${hostname}, 'local', ${at(createdAt)})`;
    }
    const [key] = await db.sql<{ id: string }[]>`
      insert into api_keys (tenant_id, name, prefix, key_hash, scopes)
      values (${tenant}, 'agency', 'ww_live_x', ${randomUUID()}, ${['read']}) returning id`;
    const calls = tenant === tenantId
      ? ['2026-02-28T15:00:00Z', '2026-03-15T00:00:00Z', '2026-03-31T14:59:59Z', '2026-02-28T14:59:59Z', '2026-03-31T15:00:00Z']
      : ['2026-03-15T00:00:00Z'];
    for (const callAt of calls) {
      await db.sql`insert into api_calls (request_id, tenant_id, key_id, method, route, at)
                   values (${randomUUID()}, ${tenant}, ${key.id}, 'GET', '/api/v1/sites', ${at(callAt)})`;
    }
  }
});
afterAll(() => db?.drop());

describe('metered usage from the database', () => {
  it('counts the domain-years starting in the KST month and the calls made in it, for this workspace only', async () => {
    const lines: string[] = [];
    const usage = await meteredUsageFromDatabase(db.sql, (line) => lines.push(line))(tenantId, '2026-03');
    expect(usage).toEqual({ customDomainYearsStarting: 3, apiCalls: 3 });
    expect(lines).toEqual([]);
    expect(await meteredUsageFromDatabase(db.sql)(otherTenantId, '2026-03')).toEqual({ customDomainYearsStarting: 1, apiCalls: 1 });
    expect(await meteredUsageFromDatabase(db.sql)(tenantId, '2026-05')).toEqual({ customDomainYearsStarting: 1, apiCalls: 0 });
  });

  it('bills an honest 0 and says so once when a feature’s table is not installed', async () => {
    await db.sql`drop view api_usage_daily`;
    const lines: string[] = [];
    const source = meteredUsageFromDatabase(db.sql, (line) => lines.push(line));
    expect(await source(tenantId, '2026-03')).toEqual({ customDomainYearsStarting: 3, apiCalls: 0 });
    expect(await source(tenantId, '2026-04')).toEqual({ customDomainYearsStarting: 1, apiCalls: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('api_usage_daily does not exist');
  });
});
