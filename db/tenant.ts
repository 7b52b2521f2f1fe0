// The one door to tenant-owned tables. Every query that reads or writes a tenant's rows runs
// inside withTenant(): the transaction switches to the ww_tenant role (no BYPASSRLS) and sets
// app.tenant_id, so the Row-Level Security policies hide every other tenant's rows even if
// a query forgets its own `where tenant_id = …`.
import type { Sql, TransactionSql } from './client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export async function withTenant<T>(sql: Sql, tenantId: string, work: (tx: TransactionSql) => Promise<T>): Promise<T> {
  if (!isUuid(tenantId)) throw new Error(`withTenant needs a tenant uuid, got ${JSON.stringify(tenantId)}`);
  return sql.begin(async (tx) => {
    // Sent now and not waited for: statements on a transaction's connection run in the order they
    // are sent, so every query of `work` runs after it, as the tenant, and the round trip is shared
    // with work's first query instead of preceding it.
    const scoped = tx`select set_config('app.tenant_id', ${tenantId}, true), set_config('role', 'ww_tenant', true)`.execute();
    scoped.catch(() => {}); // awaited below; this only keeps a failure from being unhandled meanwhile
    try {
      const result = await work(tx);
      await scoped;
      return result;
    } catch (error) {
      // When the scoping itself failed, that is why work's queries failed: say so.
      await scoped;
      throw error;
    }
  }) as Promise<T>;
}
