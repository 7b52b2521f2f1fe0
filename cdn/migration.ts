// Moving a site from one provider to another (traffic, failover, recovery or an admin's
// request): deploy on the new provider, switch, then clean up the old one. The site answers
// throughout: the new deployment is complete before the switch, and the old provider keeps
// serving until its deployments are removed after it (the edge keeps serving a site's last
// local deployment until then, see platform.sql.ts). The move is recorded in cdn_migrations
// with the monthly cost the router computed before and after.
//
// Custom domains whose owner points at the site's stable name move with it (decision 143,
// cdn/dns-stable-names.ts): attached on the new provider before the switch, our DNS record flipped
// right after it, their new status recorded, detached from the old provider last. Domains that
// point straight at the old provider stay there (traffic and admin moves do not move such a site).
import { isUuid, withTenant, type Sql } from '../db/index.ts';
import { planDomainMove, stableNamesFromEnv, type DomainMove, type StableNameConfig } from './dns-stable-names.ts';
import { retireSiteOn, syncRedirectsAfterMove } from './domains-redirects.ts';
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
  /** The stable names' zone and DNS API (stableNamesFromEnv() unless set). */
  stableNames?: StableNameConfig;
  /** Custom domains: how long to wait for the new provider to report them active, and for cached DNS answers to expire (decision 143). */
  domainTiming?: { activeWaitMs?: number; drainMs?: number };
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
  const [site] = await withTenant(sql, tenantId, (tx) => tx<{ name: string; slug: string; live_deployment_id: string | null }[]>`
    select name, slug, live_deployment_id from sites where id = ${siteId}`);
  if (!site) throw new CdnError('not_found', '사이트를 찾을 수 없습니다. 사이트 목록에서 다시 선택해 주세요.');
  // Refuses (before anything is deployed) a move whose domains cannot follow: no DNS API, …
  const domains = await planDomainMove(sql, {
    tenantId, siteId, siteName: site.name, slug: site.slug, from, to, config: opts.stableNames ?? stableNamesFromEnv(),
    keepOld: opts.keepOld ?? false, ...opts.domainTiming,
  });
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

  const fail = async (cause: unknown): Promise<never> => {
    const detail = [(cause as Error).message, ...domains.notes].join(' · ').slice(0, 500);
    await withTenant(sql, tenantId, (tx) => tx`
      update cdn_migrations set status = 'failed', detail = ${detail}, finished_at = now() where id = ${migrationId}`);
    // The domains' own refusals (decision 143) are Korean sentences already; everything else says where the site stays.
    if (cause instanceof CdnError && (cause.code === 'unsupported' || cause.code === 'not_configured')) throw cause;
    throw new Error(`Moving site ${siteId} from ${from.name} to ${to.name} failed; it stays on ${from.name}: ${detail}`, { cause });
  };
  let deploymentId: string;
  try {
    const deployed = await to.deploy({ tenantId, siteId, buildId: null, files: opts.files });
    deploymentId = deployed.deploymentId;
  } catch (cause) {
    return fail(cause);
  }
  try {
    await switchWithDomains({ tenantId, siteId, from, to, deploymentId, previousDeploymentId: site.live_deployment_id, domains });
  } catch (cause) {
    return fail(cause);
  }
  await opts.afterSwitch?.();
  await settleDomainsAfterSwitch(sql, { tenantId, siteId, from, to, domains, keepOld: opts.keepOld ?? false });

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
  // Cloudflare keeps a Pages project (and its live deployment) until it is deleted (decision 146).
  const retired = opts.keepOld ? null : await retireSiteOn(sql, from, tenantId, siteId);
  if (retired) domains.notes.push(retired);
  await withTenant(sql, tenantId, (tx) => tx`
    update cdn_migrations set status = 'done', to_deployment_id = ${deploymentId}, finished_at = now(),
      detail = ${[opts.keepOld ? `old deployments left on ${from.name} (it is down)` : problems.length ? `old deployments left: ${problems.join('; ').slice(0, 500)}` : `removed ${removed} old deployment(s)`, ...domains.notes].join(' · ').slice(0, 1500)}
    where id = ${migrationId}`);
  return { migrationId, deploymentId, removed };
}

/**
 * The switch of a move, with the custom domains that point at the site's stable name (decision
 * 143): attach them on `to`, make `deploymentId` live there, flip our record (a refusal switches
 * the site back to `previousDeploymentId` on `from` and detaches them again). Throws only when the
 * site is served as before. migrateSite and a publish placed on another provider than its domains
 * (failover.ts, activatePlacedWithDomains) both go through it, then settleDomainsAfterSwitch.
 */
export async function switchWithDomains(opts: {
  tenantId: string; siteId: string; from: CdnProvider; to: CdnProvider; deploymentId: string; previousDeploymentId: string | null; domains: DomainMove;
}): Promise<void> {
  const { tenantId, siteId, from, to, domains } = opts;
  try {
    await domains.attach();
    await to.activate({ tenantId, siteId, deploymentId: opts.deploymentId });
  } catch (cause) {
    await domains.abandon();
    throw cause;
  }
  try {
    await domains.flip();
  } catch (cause) {
    // Our record still leads to the old provider: the site goes back there, whole.
    try {
      if (opts.previousDeploymentId) await from.activate({ tenantId, siteId, deploymentId: opts.previousDeploymentId });
      await domains.abandon();
    } catch (back) {
      domains.notes.push(`switching back to ${from.name} failed: ${(back as Error).message}`);
    }
    throw new Error(`flipping the stable name failed: ${(cause as Error).message}`, { cause });
  }
}

/**
 * After the switch held: the names that moved redirect to the primary on the new provider too
 * (decision 146), their new status is recorded, resolvers' cached answers are waited out and the
 * names detached from the old provider (not when `keepOld`), whose redirects are cleared. Never
 * fails the switch: what is left undone is in `domains.notes`.
 */
export async function settleDomainsAfterSwitch(
  sql: Sql, opts: { tenantId: string; siteId: string; from: CdnProvider; to: CdnProvider; domains: DomainMove; keepOld: boolean },
): Promise<void> {
  const { tenantId, siteId, from, to, domains } = opts;
  const redirected = await syncRedirectsAfterMove(sql, to, tenantId, siteId);
  if (redirected) domains.notes.push(redirected);
  await domains.settle();
  const cleared = opts.keepOld ? null : await syncRedirectsAfterMove(sql, from, tenantId, siteId);
  if (cleared) domains.notes.push(cleared);
}
