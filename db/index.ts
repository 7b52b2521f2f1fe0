export { connect, type Sql, type TransactionSql } from './client.ts';
export { migrate, migrationsCurrent } from './migrate.ts';
export { withTenant, isUuid } from './tenant.ts';
export { startEmbeddedDatabase, freePort, type EmbeddedDatabase } from './embedded.ts';
export { resolveDatabaseUrl } from './database-url.ts';
export { startHeartbeat, listProcesses, type ProcessKind, type ProcessStatus } from './heartbeats.ts';
