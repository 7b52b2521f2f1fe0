import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from './client.ts';
import { withTenant } from './tenant.ts';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('connect', () => {
  const planCacheMode = async (sql: Sql) => (await sql<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`)[0].mode;

  it('leaves planning to PostgreSQL by default', async () => {
    expect(await planCacheMode(db.sql)).toBe('auto');
  });

  it('plans each statement once per connection when asked (build workers)', async () => {
    const sql = connect(db.url, { max: 1, genericPlans: true });
    try {
      expect(await planCacheMode(sql)).toBe('force_generic_plan');
      // One plan for every tenant: row-level security is still applied per transaction.
      const [{ id: a }, { id: b }] = await sql<{ id: string }[]>`insert into tenants (name) values ('계획 A'), ('계획 B') returning id`;
      await sql`insert into audit_log (tenant_id, action) values (${a}, 'plan.a'), (${b}, 'plan.b')`;
      for (const [tenant, action] of [[a, 'plan.a'], [b, 'plan.b'], [a, 'plan.a'], [b, 'plan.b']]) {
        const rows = await withTenant(sql, tenant, (tx) => tx<{ action: string }[]>`select action from audit_log where action like 'plan.%'`);
        expect(rows.map((row) => row.action)).toEqual([action]);
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
