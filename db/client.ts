import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface ConnectOptions {
  /** Pool size; each process sizes its own (web serves requests, a worker runs few queries). */
  max?: number;
  /** Shown in pg_stat_activity, so ops can tell which process holds a connection. */
  applicationName?: string;
}

export function connect(url: string, options: ConnectOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'windwalker' },
    types: {
      // bigint columns (bytes, counters) fit comfortably in a JS number here.
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  });
}
