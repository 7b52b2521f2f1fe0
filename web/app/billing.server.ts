// The web app's glue to billing/: whether payments are configured (Toss keys), the encryption
// key for billing keys, what the billing page shows (usage against the plan's limits, the
// proration a plan change would add) and how billing errors become answers.
import { json } from '@remix-run/node';
import { env } from '../../config/env.ts';
import {
  BillingError,
  billingPeriod,
  encryptionKeyFromEnv,
  getInvoice,
  getSubscription,
  listInvoicePayments,
  listPlans,
  periodOf,
  prorate,
  tossClientFromEnv,
  type Plan,
  type TossClient,
} from '../../billing/index.ts';
import { isUuid, withTenant, type Sql } from '../../db/index.ts';
import { forbidden, requireMember, type MemberContext, type Tenant } from './auth.server.ts';
export { PLAN_LABELS, SUBSCRIPTION_STATUS_LABELS } from './components/billing/format.ts';

/** Billing is the owner's: editors and viewers get a Korean 403 that says whom to ask. */
export async function requireBillingOwner(request: Request): Promise<MemberContext> {
  const member = await requireMember(request, 'viewer');
  if (member.role !== 'owner') {
    throw forbidden('결제와 요금제는 워크스페이스 소유자만 볼 수 있습니다. 소유자에게 요청해 주세요.');
  }
  return member;
}

export interface PaymentsConfig {
  toss: TossClient;
  /** The browser SDK's key (TOSS_CLIENT_KEY): the only Toss value the page may see. */
  clientKey: string;
}

/**
 * Toss when both TOSS_CLIENT_KEY and TOSS_SECRET_KEY are set; null means payments are not
 * configured (the embedded default): the billing page says so and an admin grants plans.
 */
export function paymentsConfig(): PaymentsConfig | null {
  const config = env();
  const toss = tossClientFromEnv(config);
  if (!toss || !config.TOSS_CLIENT_KEY) return null;
  return { toss, clientKey: config.TOSS_CLIENT_KEY };
}

/** The Toss client for server-to-server work (webhooks, refunds): needs only the secret key. */
export function tossServerClient(): TossClient | null {
  return tossClientFromEnv(env());
}

let encryptionKey: Promise<Buffer> | undefined;

/** The AES key that seals billing keys (ENCRYPTION_KEY; generated once in the embedded default). */
export function billingEncryptionKey(): Promise<Buffer> {
  if (!encryptionKey) {
    const loading = encryptionKeyFromEnv(env());
    encryptionKey = loading;
    loading.catch(() => {
      if (encryptionKey === loading) encryptionKey = undefined;
    });
  }
  return encryptionKey;
}

/** Which variables are missing, for the "not configured" notice an admin reads. */
export function missingPaymentVariables(): string[] {
  const config = env();
  return [config.TOSS_CLIENT_KEY ? null : 'TOSS_CLIENT_KEY', config.TOSS_SECRET_KEY ? null : 'TOSS_SECRET_KEY'].filter(
    (name): name is string => name !== null,
  );
}

export interface PlanUsage {
  key: 'sites' | 'pagesPerSite' | 'customDomains' | 'storageMb';
  label: string;
  used: number;
  limit: number;
  unit: string;
  /** Null when the feature has no table yet in this installation (nothing can be used). */
  note: string | null;
}

/** What the workspace uses now against its plan's limits. */
export async function readPlanUsage(sql: Sql, tenantId: string, plan: Plan): Promise<PlanUsage[]> {
  return withTenant(sql, tenantId, async (tx) => {
    const [counts] = await tx<{ sites: number; maxPages: number; storageBytes: number; domainsPresent: boolean }[]>`
      select (select count(*)::int from sites) as sites,
             (select coalesce(max(jsonb_array_length(document -> 'pages')), 0)::int from sites
               where jsonb_typeof(document -> 'pages') = 'array') as "maxPages",
             (select coalesce(sum(bytes), 0)::bigint from assets) as "storageBytes",
             to_regclass('public.cdn_domains') is not null as "domainsPresent"`;
    let domains = 0;
    if (counts.domainsPresent) {
      const [row] = await tx<{ domains: number }[]>`select count(*)::int as domains from cdn_domains`;
      domains = row.domains;
    }
    return [
      { key: 'sites', label: '사이트', used: counts.sites, limit: plan.maxSites, unit: '개', note: null },
      { key: 'pagesPerSite', label: '사이트당 페이지 (가장 많은 사이트)', used: counts.maxPages, limit: plan.maxPagesPerSite, unit: '개', note: null },
      {
        key: 'customDomains',
        label: '연결 도메인',
        used: domains,
        limit: plan.maxCustomDomains,
        unit: '개',
        note: counts.domainsPresent ? null : '도메인 연결 기능이 아직 열리지 않았습니다.',
      },
      { key: 'storageMb', label: '저장 공간', used: Math.ceil(Number(counts.storageBytes) / (1024 * 1024)), limit: plan.storageMb, unit: 'MB', note: null },
    ];
  });
}

export interface PlanChangePreview {
  from: Plan;
  to: Plan;
  /** Added to (positive) or credited on (negative) the invoice that closes this period, VAT excluded. */
  prorationKrw: number;
  periodEnd: Date;
}

/**
 * What changing to `toPlanCode` now would add to this period's invoice — the same computation
 * changePlan() records, made without changing anything so the owner sees it before confirming.
 */
export async function previewPlanChange(sql: Sql, tenantId: string, toPlanCode: string, now = new Date()): Promise<PlanChangePreview | null> {
  const subscription = await getSubscription(sql, tenantId);
  if (!subscription) return null;
  const plans = await listPlans(sql);
  const from = plans.find((p) => p.code === subscription.planCode);
  const to = plans.find((p) => p.code === toPlanCode && p.code !== 'trial');
  if (!from || !to || from.code === to.code) return null;
  // Over the KST month that contains `now`, as changePlan does: its invoice carries the change,
  // also between midnight on the 1st and the close-month job (the stored period is last month's).
  const period = billingPeriod(periodOf(now));
  const prorationKrw = prorate({
    fromPlan: { code: from.code, monthlyPriceKrw: from.monthlyPriceKrw },
    toPlan: { code: to.code, monthlyPriceKrw: to.monthlyPriceKrw },
    periodStart: period.start,
    periodEnd: period.end,
    changeAt: now,
  });
  return { from, to, prorationKrw, periodEnd: period.end };
}

/** A BillingError becomes a 400 with its Korean sentence; anything else is rethrown. */
export function billingErrorAnswer(error: unknown) {
  if (error instanceof BillingError) {
    return json({ ok: false as const, message: error.message, code: error.code }, { status: error.code === 'NO_SUBSCRIPTION' ? 409 : 400 });
  }
  throw error;
}

/**
 * One invoice of the workspace with its lines and payments, shaped for the invoice and receipt
 * pages. Another workspace's id (or a malformed one) is a 404, never data.
 */
export async function loadInvoicePage(sql: Sql, tenant: Tenant, invoiceId: string) {
  const found = isUuid(invoiceId) ? await getInvoice(sql, tenant.id, invoiceId) : null;
  if (!found) throw new Response('청구서를 찾을 수 없습니다. 청구서 목록에서 다시 골라 주세요.', { status: 404 });
  const payments = await listInvoicePayments(sql, tenant.id, invoiceId);
  const { invoice, lines } = found;
  return {
    workspaceName: tenant.name,
    invoice: {
      id: invoice.id,
      period: invoice.period,
      periodStart: invoice.periodStart.toISOString(),
      periodEnd: invoice.periodEnd.toISOString(),
      planCode: invoice.planCode,
      status: invoice.status,
      subtotalKrw: invoice.subtotalKrw,
      vatKrw: invoice.vatKrw,
      totalKrw: invoice.totalKrw,
      vatRatePercent: invoice.vatRatePercent,
      issuedAt: invoice.issuedAt.toISOString(),
      paidAt: invoice.paidAt?.toISOString() ?? null,
      nextAttemptAt: invoice.nextAttemptAt?.toISOString() ?? null,
      lastFailureMessage: invoice.lastFailureMessage,
    },
    lines,
    payments: payments.map((p) => ({
      id: p.id,
      attempt: p.attempt,
      amountKrw: p.amountKrw,
      status: p.status,
      failureMessage: p.failureMessage,
      cardNumberMasked: p.cardNumberMasked,
      receiptUrl: p.receiptUrl && /^https:\/\//.test(p.receiptUrl) ? p.receiptUrl : null,
      approvedAt: p.approvedAt?.toISOString() ?? null,
      createdAt: p.createdAt.toISOString(),
    })),
  };
}

/** Every workspace with its plan and subscription state, for the admin's plan grant (platform-level). */
export async function listWorkspacesForPlanGrant(sql: Sql) {
  const rows = await sql<{ id: string; name: string; planCode: string; status: string | null; granted: boolean }[]>`
    select t.id, t.name, coalesce(s.plan_code, t.plan_code) as "planCode", s.status, s.granted_at is not null as granted
    from tenants t left join subscriptions s on s.tenant_id = t.id
    order by t.created_at desc limit 200`;
  return [...rows];
}
