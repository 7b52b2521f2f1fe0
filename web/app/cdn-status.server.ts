// What /ops/cdn shows: each CDN provider's health as failover sees it, what failover did and why,
// and the hosted CDNs' daily usage sync. Platform-wide (ops and admins only, checked by the route).
import { listFailoverEvents, listProviderHealth, listUsageSyncs, type FailoverEvent, type ProviderHealthRow, type UsageSyncRow } from '../../cdn/index.ts';
import type { Sql } from './db.server.ts';

export interface CdnStatus {
  health: ProviderHealthRow[];
  events: FailoverEvent[];
  syncs: UsageSyncRow[];
}

export async function cdnStatus(sql: Sql): Promise<CdnStatus> {
  const [health, events, syncs] = await Promise.all([listProviderHealth(sql), listFailoverEvents(sql, 30), listUsageSyncs(sql, 30)]);
  return { health, events, syncs };
}
