// The `local` provider: the content-addressed store in <dataDir>/cdn and the edge processes
// that serve it. Always eligible (it needs no credentials); the all-self-hosted scenario of
// the business plan runs every site on it.
import { access, constants } from 'node:fs/promises';
import { isUuid, listProcesses, withTenant, type Sql } from '../../db/index.ts';
import { activateDeployment, deleteDeployment, deploySite } from '../deployments.ts';
import { env } from '../../config/index.ts';
import { createLocalDomains, type ResolveTxt } from '../domains-local.ts';
import { CdnError } from '../errors.ts';
import { objectsDir, putObject, removeUnreferencedObjects, sha256Hex, type GarbageCollection } from '../object-store.ts';
import { pingDatabase, selectReferencedObjects } from '../platform.sql.ts';
import type { CdnProvider, DailyUsage, ProviderHealth } from './types.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HEALTH_PROBE = Buffer.from('windwalker local cdn health probe\n');

/** Removes stored objects that no deployment (of any tenant) refers to any more. */
export async function removeUnusedObjects(sql: Sql, dataDir: string, graceMs?: number): Promise<GarbageCollection> {
  return removeUnreferencedObjects(dataDir, await selectReferencedObjects(sql), graceMs);
}

export function createLocalProvider(opts: { sql: Sql; dataDir: string; baseDomain?: string; resolveTxt?: ResolveTxt }): CdnProvider {
  const { sql, dataDir } = opts;
  const domains = createLocalDomains({ sql, baseDomain: opts.baseDomain ?? env().SITE_BASE_DOMAIN, resolveTxt: opts.resolveTxt });
  return {
    name: 'local',

    deploy: (input) => deploySite(sql, { ...input, dataDir }),

    activate: (ref) => activateDeployment(sql, ref),

    // On the edge a rollback is the same atomic switch, to an older ready deployment.
    rollback: (ref) => activateDeployment(sql, ref),

    async deleteDeployment(ref) {
      await deleteDeployment(sql, ref);
      await removeUnusedObjects(sql, dataDir);
    },

    // Custom domains on the edge: CNAME to <slug>.<SITE_BASE_DOMAIN> and a TXT ownership record (cdn/domains-local.ts).
    attachDomain: domains.attachDomain,
    domainStatus: domains.domainStatus,

    async usage(period): Promise<DailyUsage[]> {
      if (!DAY.test(period.from) || !DAY.test(period.to)) {
        throw new Error(`usage period needs YYYY-MM-DD days, got ${period.from} – ${period.to}`);
      }
      if (!isUuid(period.siteId)) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
      return withTenant(sql, period.tenantId, async (tx) => {
        const [site] = await tx`select id from sites where id = ${period.siteId}`;
        if (!site) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
        return tx<DailyUsage[]>`
          select to_char(day, 'YYYY-MM-DD') as day, requests, bytes
          from cdn_usage_daily
          where site_id = ${period.siteId} and provider = 'local' and day between ${period.from}::date and ${period.to}::date
          order by day`;
      });
    },

    async health(): Promise<ProviderHealth> {
      const started = Date.now();
      const problems: string[] = [];
      let edges = 0;
      try {
        await pingDatabase(sql);
        edges = (await listProcesses(sql)).filter((p) => p.kind === 'edge' && p.alive).length;
      } catch (error) {
        problems.push(`database: ${(error as Error).message}`);
      }
      try {
        await putObject(dataDir, sha256Hex(HEALTH_PROBE), HEALTH_PROBE);
        await access(objectsDir(dataDir), constants.W_OK);
      } catch (error) {
        problems.push(`object store: ${(error as Error).message}`);
      }
      return {
        provider: 'local',
        ok: problems.length === 0,
        checkedAt: new Date(),
        latencyMs: Date.now() - started,
        detail: problems.length ? problems.join('; ') : `object store writable; ${edges} edge process(es) alive`,
      };
    },
  };
}
