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
    await tx`select set_config('app.tenant_id', ${tenantId}, true), set_config('role', 'ww_tenant', true)`;
    return work(tx);
  }) as Promise<T>;
}
