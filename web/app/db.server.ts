// The database for loaders and actions: `sql` is the web process's one postgres.js pool.
// Tenant-owned tables are reached through withTenant(sql, tenant.id, tx => …) only; the
// tenant comes from requireMember() in auth.server.ts.
import type PgBoss from 'pg-boss';
import { startQueue } from '../../buildfarm/index.ts';
import type { Sql } from '../../db/index.ts';
import { webRuntime } from './runtime.server.ts';

export { withTenant, isUuid, type Sql, type TransactionSql } from '../../db/index.ts';

/**
 * The process-wide pool. A thin forwarder to the pool the server was started with, so modules
 * can import it at load time while the server decides which database to use.
 */
export const sql: Sql = new Proxy(function forwardedSql() {} as unknown as Sql, {
  apply(_target, _this, args: unknown[]) {
    return (webRuntime().sql as unknown as (...a: unknown[]) => unknown)(...args);
  },
  get(_target, property) {
    const real = webRuntime().sql as unknown as Record<PropertyKey, unknown>;
    const value = real[property];
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
});

/**
 * The publishing queue (pg-boss), started on first use with its own small pool and stopped when
 * the web server closes. Loaders and actions publish through it: publishSite(sql, await getBoss(), …).
 */
export function getBoss(): Promise<PgBoss> {
  const runtime = webRuntime();
  if (!runtime.databaseUrl) {
    throw new Error('The web server was started without databaseUrl, so it cannot reach the build queue: pass databaseUrl to startWebServer().');
  }
  if (!runtime.boss) {
    const starting = startQueue(runtime.databaseUrl);
    runtime.boss = starting;
    starting.catch(() => {
      if (runtime.boss === starting) runtime.boss = null;
    });
  }
  return runtime.boss as Promise<PgBoss>;
}
