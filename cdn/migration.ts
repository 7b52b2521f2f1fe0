// Moving a site from one provider to another (traffic, failover, recovery or an admin's
// request): deploy on the new provider, switch, then clean up the old one. The site answers
// throughout: the new deployment is complete before the switch, and the old provider keeps
// serving until its deployments are removed after it (the edge keeps serving a site's last
// local deployment until then, see platform.sql.ts). The move is recorded in cdn_migrations
// with the monthly cost the router computed before and after.
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { CdnError } from './errors.ts';
import type { CdnProvider } from './providers/types.ts';
import type { DeployFile } from './types.ts';

export type MigrationReason = 'traffic' | 'failover' | 'recovery' | 'admin';

export interface MigrateSiteOptions {
  tenantId: string;
  siteId: string;
  from: CdnProvider;
  to: CdnProvider;
  /** The site's rendered files (the build farm renders the live version again). */
  files: DeployFile[];
  reason: MigrationReason;
  costBeforeKrw?: number | null;
  costAfterKrw?: number | null;
  /** Called between the switch and the clean-up (tests hold the old provider here). */
  afterSwitch?: () => Promise<void>;
  /**
   * Leave the old provider's deployments where they are (failover: the old provider is down, and
   * removing them there would only wait out its retries while other sites wait to move).
   */
  keepOld?: boolean;
  /** The ops or admin user who asked for the move (reason 'admin'). */
  requestedBy?: string | null;
}

export interface MigrationResult {
  migrationId: string;
  deploymentId: string;
  /** Deployments removed from the old provider. */
  removed: number;
}

export async function migrateSite(sql: Sql, opts: MigrateSiteOptions): Promise<MigrationResult> {
  const { tenantId, siteId, from, to } = opts;
  if (!isUuid(siteId)) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
  if (from.name === to.name) throw new Error(`migrateSite: the site is already on ${to.name}`);
  const migrationId = await withTenant(sql, tenantId, async (tx) => {
    const [site] = await tx<{ live_deployment_id: string | null; cdn_provider: string }[]>`
      select live_deployment_id, cdn_provider from sites where id = ${siteId}`;
    if (!site) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
    if (site.cdn_provider !== from.name) throw new Error(`migrateSite: site ${siteId} is on ${site.cdn_provider}, not ${from.name}`);
    const [row] = await tx<{ id: string }[]>`
      insert into cdn_migrations (tenant_id, site_id, from_provider, to_provider, from_deployment_id, reason,
                                  monthly_cost_before_krw, monthly_cost_after_krw, requested_by)
      values (${tenantId}, ${siteId}, ${from.name}, ${to.name}, ${site.live_deployment_id}, ${opts.reason},
              ${opts.costBeforeKrw ?? null}, ${opts.costAfterKrw ?? null}, ${opts.requestedBy ?? null})
      returning id`;
    return row.id;
  });

  let deploymentId: string;
  try {
    const deployed = await to.deploy({ tenantId, siteId, buildId: null, files: opts.files });
    deploymentId = deployed.deploymentId;
    await to.activate({ tenantId, siteId, deploymentId });
  } catch (cause) {
    const detail = (cause as Error).message.slice(0, 500);
    await withTenant(sql, tenantId, (tx) => tx`
      update cdn_migrations set status = 'failed', detail = ${detail}, finished_at = now() where id = ${migrationId}`);
    throw new Error(`Moving site ${siteId} from ${from.name} to ${to.name} failed; it stays on ${from.name}: ${detail}`, { cause });
  }
  await opts.afterSwitch?.();

  // Clean up: every deployment the site still has on the old provider.
  const old = opts.keepOld ? [] : await withTenant(sql, tenantId, (tx) => tx<{ id: string }[]>`
    select id from deployments where site_id = ${siteId} and provider = ${from.name} and status in ('ready', 'failed')`);
  let removed = 0;
  const problems: string[] = [];
  for (const { id } of old) {
    try {
      await from.deleteDeployment({ tenantId, siteId, deploymentId: id });
      removed += 1;
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  await withTenant(sql, tenantId, (tx) => tx`
    update cdn_migrations set status = 'done', to_deployment_id = ${deploymentId}, finished_at = now(),
      detail = ${opts.keepOld ? `old deployments left on ${from.name} (it is down)` : problems.length ? `old deployments left: ${problems.join('; ').slice(0, 500)}` : `removed ${removed} old deployment(s)`}
    where id = ${migrationId}`);
  return { migrationId, deploymentId, removed };
}
