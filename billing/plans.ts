// Plans and their limits (rows of the `plans` table, 050_billing.sql explains the numbers),
// and the checks the product uses to enforce them with a clear message and a way to upgrade.
import type { Sql, TransactionSql } from '../db/index.ts';
import { withTenant } from '../db/index.ts';
import { BillingError } from './errors.ts';

export type PlanCode = 'trial' | 'basic' | 'premium' | 'enterprise';
export const planCodes: readonly PlanCode[] = ['trial', 'basic', 'premium', 'enterprise'];

export interface Plan {
  code: PlanCode;
  nameKo: string;
  nameEn: string;
  monthlyPriceKrw: number;
  trialDays: number | null;
  maxSites: number;
  maxPagesPerSite: number;
  maxCustomDomains: number;
  buildConcurrency: number;
  storageMb: number;
  aiDraftsPerMonth: number;
  devmode: boolean;
  /** Requests per site per month included; null = unlimited hosting (no overage). */
  hostingRequestsPerSite: number | null;
}

export type PlanLimit = 'sites' | 'pagesPerSite' | 'customDomains' | 'storageMb' | 'aiDraftsPerMonth';

/** Add-on prices from the business plan (KRW, VAT-exclusive). */
export const addOnPrices = {
  hostingOveragePerSiteMonth: 10_000,
  customDomainPerYear: 20_000,
  apiCall: 10,
} as const;

type Db = Sql | TransactionSql;

export async function listPlans(sql: Db): Promise<Plan[]> {
  const rows = await sql<Plan[]>`
    select code, name_ko as "nameKo", name_en as "nameEn", monthly_price_krw as "monthlyPriceKrw",
           trial_days as "trialDays", max_sites as "maxSites", max_pages_per_site as "maxPagesPerSite",
           max_custom_domains as "maxCustomDomains", build_concurrency as "buildConcurrency",
           storage_mb as "storageMb", ai_drafts_per_month as "aiDraftsPerMonth", devmode,
           hosting_requests_per_site as "hostingRequestsPerSite"
    from plans order by sort_order`;
  return [...rows];
}

export async function getPlan(sql: Db, code: string): Promise<Plan> {
  const plan = (await listPlans(sql)).find((p) => p.code === code);
  if (!plan) throw new BillingError('UNKNOWN_PLAN', `‘${code}’ 요금제는 없습니다. 기본, 프리미엄, 엔터프라이즈 중에서 골라 주세요.`);
  return plan;
}

/**
 * Inside a withTenant transaction: the plan whose limits apply now — the subscription's plan, or
 * the free trial's when there is none or it was cancelled (a cancelled workspace keeps its sites
 * and, like an expired trial, is limited until it chooses a plan again).
 */
export async function planInForce(tx: Db): Promise<Plan> {
  const [row] = await tx<{ planCode: string }[]>`
    select case when status = 'cancelled' then 'trial' else plan_code end as "planCode" from subscriptions`;
  return getPlan(tx, row?.planCode ?? 'trial');
}

/** The plan the workspace is on now (see planInForce). */
export async function getTenantPlan(sql: Sql, tenantId: string): Promise<Plan> {
  return withTenant(sql, tenantId, (tx) => planInForce(tx));
}

const limitWords: Record<PlanLimit, { field: keyof Plan; noun: string; unit: string }> = {
  sites: { field: 'maxSites', noun: '사이트', unit: '개' },
  pagesPerSite: { field: 'maxPagesPerSite', noun: '사이트당 페이지', unit: '개' },
  customDomains: { field: 'maxCustomDomains', noun: '연결 도메인', unit: '개' },
  storageMb: { field: 'storageMb', noun: '저장 공간', unit: 'MB' },
  aiDraftsPerMonth: { field: 'aiDraftsPerMonth', noun: '이번 달 AI 초안', unit: '개' },
};

/** The topic particle for a Korean noun: 은 after a final consonant (저장 공간은), 는 otherwise (사이트는). */
export function topicParticle(noun: string): '은' | '는' {
  const last = noun.charCodeAt(noun.length - 1);
  return last >= 0xac00 && last <= 0xd7a3 && (last - 0xac00) % 28 !== 0 ? '은' : '는';
}

/**
 * Throws a PLAN_LIMIT BillingError when adding `adding` to `current` would exceed the plan.
 * The caller counts (sites, pages, domains…); this decides and words the message.
 */
export function assertWithinPlanLimit(plan: Plan, limit: PlanLimit, current: number, adding = 1): void {
  const words = limitWords[limit];
  const max = plan[words.field] as number;
  if (current + adding <= max) return;
  throw new BillingError(
    'PLAN_LIMIT',
    `${plan.nameKo} 요금제의 ${words.noun}${topicParticle(words.noun)} 최대 ${max.toLocaleString('ko-KR')}${words.unit}입니다. ` +
      `더 필요하시면 요금제 페이지에서 상위 요금제로 변경해 주세요.`,
  );
}

export const UPGRADE_URL = '/billing';

/**
 * The check that makes a new site, run INSIDE the transaction that inserts it (a withTenant
 * transaction, so the count sees only this workspace): the workspace's row is locked first, so
 * two creations at the same moment queue here and the second counts the first one's site —
 * both can never pass a limit that has room for one. Also checks the new site's page count
 * (an AI draft or an import can have more pages than the plan allows). Throws PLAN_LIMIT.
 */
export async function assertCanCreateSite(tx: TransactionSql, tenantId: string, input: { pages?: number } = {}): Promise<Plan> {
  const locked = await tx`select 1 from tenants where id = ${tenantId} for update`;
  if (locked.length === 0) throw new Error(`Workspace ${tenantId} is not visible in this transaction (not a withTenant transaction of that workspace?)`);
  const plan = await planInForce(tx);
  const [{ sites }] = await tx<{ sites: number }[]>`select count(*)::int as sites from sites`;
  assertWithinPlanLimit(plan, 'sites', sites);
  if (input.pages !== undefined) assertWithinPlanLimit(plan, 'pagesPerSite', input.pages, 0);
  return plan;
}

/**
 * Inside a withTenant transaction that replaces a site's document (import, restore): the plan's
 * page limit. A document already over it (after a downgrade) may keep its size, never grow.
 * Throws PLAN_LIMIT.
 */
export async function assertPagesWithinPlan(tx: TransactionSql, pages: number, storedPages: number): Promise<Plan> {
  const plan = await planInForce(tx);
  if (pages > Math.max(plan.maxPagesPerSite, storedPages)) assertWithinPlanLimit(plan, 'pagesPerSite', pages, 0);
  return plan;
}

const MIB = 1024 * 1024;

/**
 * Inside the withTenant transaction that stores an upload: the plan's storage (every stored image
 * and its resized copies), counted under the workspace row's lock so two uploads at once cannot
 * both pass. Throws PLAN_LIMIT.
 */
export async function assertStorageWithinPlan(tx: TransactionSql, tenantId: string, addingBytes: number): Promise<Plan> {
  await tx`select 1 from tenants where id = ${tenantId} for update`;
  const plan = await planInForce(tx);
  const [{ used }] = await tx<{ used: string }[]>`select coalesce(sum(bytes), 0)::bigint as used from assets`;
  const total = Number(used) + addingBytes;
  if (total > plan.storageMb * MIB) assertWithinPlanLimit(plan, 'storageMb', Math.ceil(total / MIB), 0);
  return plan;
}

/**
 * Publishing is refused while the workspace is limited: for an unpaid invoice, after the free
 * trial ended, or after the subscription ended — each said as what happened and what to do.
 */
export async function assertCanPublish(sql: Sql, tenantId: string): Promise<void> {
  const row = await withTenant(sql, tenantId, async (tx) => {
    const [found] = await tx<{ status: string; subscription: string | null; unpaid: number }[]>`
      select t.status, (select status from subscriptions) as subscription,
             (select count(*)::int from invoices where status = 'open') as unpaid
      from tenants t where t.id = ${tenantId}`;
    return found;
  });
  if (row?.status === 'suspended') {
    throw new BillingError('WORKSPACE_LIMITED', '결제가 밀려 유예 기간이 끝나, 사이트가 일시 중지되고 새 게시도 멈췄습니다. 결제 페이지에서 카드를 확인하고 결제하시면 사이트가 바로 다시 열립니다.');
  }
  if (row?.status !== 'limited') return;
  const liveSites = '공개 중인 사이트는 그대로 열립니다.';
  const message =
    row.subscription === 'cancelled' && row.unpaid === 0
      ? `구독이 끝나 새 게시가 잠시 멈췄습니다. ${liveSites} 결제 페이지에서 요금제를 다시 골라 주세요.`
      : row.subscription === 'limited' && row.unpaid === 0
        ? `무료 체험이 끝나 새 게시가 잠시 멈췄습니다. ${liveSites} 결제 페이지에서 요금제를 골라 주세요.`
        : `결제가 밀려 새 게시가 잠시 멈췄습니다. ${liveSites} 결제 페이지에서 카드를 확인하고 결제해 주세요.`;
  throw new BillingError('WORKSPACE_LIMITED', message);
}
