import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface ConnectOptions {
  /** Pool size; each process sizes its own (web serves requests, a worker runs few queries). */
  max?: number;
  /** Shown in pg_stat_activity, so ops can tell which process holds a connection. */
  applicationName?: string;
  /**
   * Plan each prepared statement once per connection and reuse the plan (plan_cache_mode =
   * force_generic_plan), for a process whose statements are lookups by key, run again and again
   * (build workers, decision 152). PostgreSQL's default plans a statement afresh for its first
   * five runs on a connection, and after that whenever the generic plan looks dearer; connections
   * that idle out (idle_timeout) start over.
   */
  genericPlans?: boolean;
}

export function connect(url: string, options: ConnectOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'windwalker',
      ...(options.genericPlans ? { plan_cache_mode: 'force_generic_plan' } : {}),
    },
    types: {
      // bigint columns (bytes, counters) fit comfortably in a JS number here.
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  });
}
