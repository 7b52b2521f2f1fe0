import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';
import { withTenant } from './tenant.ts';
import { migrate, migrationsCurrent } from './migrate.ts';

let db: TestDatabase;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  db = await createTestDatabase();
  [{ id: tenantA }, { id: tenantB }] = await db.sql<{ id: string }[]>`
    insert into tenants (name) values ('가게 A'), ('가게 B') returning id`;
  await db.sql`insert into audit_log (tenant_id, action) values (${tenantA}, 'a.only'), (${tenantB}, 'b.only')`;
});
afterAll(() => db.drop());

describe('withTenant', () => {
  it('shows a tenant only its own rows even when the query has no tenant filter', async () => {
    const rows = await withTenant(db.sql, tenantA, (tx) => tx`select action from audit_log`);
    expect(rows.map((r) => r.action)).toEqual(['a.only']);
  });

  it('refuses to write a row for another tenant', async () => {
    await expect(
      withTenant(db.sql, tenantA, (tx) => tx`insert into audit_log (tenant_id, action) values (${tenantB}, 'sneaky')`),
    ).rejects.toThrow(/row-level security/);
    const [{ count }] = await db.sql`select count(*)::int as count from audit_log where action = 'sneaky'`;
    expect(count).toBe(0);
  });

  it('cannot update another tenant’s rows', async () => {
    const updated = await withTenant(db.sql, tenantA, (tx) => tx`update audit_log set action = 'changed' where tenant_id = ${tenantB}`);
    expect(updated.count).toBe(0);
  });

  it('rejects a tenant id that is not a uuid', async () => {
    await expect(withTenant(db.sql, "1' or '1'='1", async () => 1)).rejects.toThrow(/tenant uuid/);
  });
});

describe('migrations', () => {
  it('are applied once and reported current', async () => {
    expect(await migrate(db.sql)).toEqual({ applied: [] });
    expect(await migrationsCurrent(db.sql)).toBe(true);
  });
});
