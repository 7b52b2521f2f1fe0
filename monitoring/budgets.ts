// Budgets and alerts: thresholds on cost, margin and capacity per site, tenant or platform.
// An alert fires once when a value crosses its budget's threshold and clears when the value is
// back on the right side; each firing and clearing is delivered to the budget's channel (a
// webhook gets a signed JSON POST) and every attempt is recorded in alert_deliveries.
// The CDN router's advice that a site should change provider is an alert too (kind 'cdn_switch').
import { createHmac } from 'node:crypto';
import { PROVIDER_LABELS, type ProviderName } from '../cdn/index.ts';
import type { Sql } from '../db/index.ts';
import { checkWebhookUrl, postWebhook, webhookTargetPolicy, WebhookUrlError, type WebhookTargetPolicy } from '../net/index.ts';
import { seoulDay } from './costs.ts';

export type BudgetScope = 'site' | 'tenant' | 'platform';
export type BudgetMetric = 'cost' | 'margin' | 'capacity';
export type AlertChannel = 'webhook' | 'email' | 'dashboard';

export interface Budget {
  id: number;
  name: string;
  scope: BudgetScope;
  tenantId: string | null;
  siteId: string | null;
  metric: BudgetMetric;
  threshold: number;
  channel: AlertChannel;
  target: string | null;
  hasSecret: boolean;
  enabled: boolean;
  createdAt: Date;
}

export interface Alert {
  id: number;
  kind: 'budget' | 'cdn_switch';
  budgetId: number | null;
  siteId: string | null;
  subject: string;
  value: number | null;
  threshold: number | null;
  message: string;
  detail: Record<string, unknown>;
  firedAt: Date;
  clearedAt: Date | null;
}

export interface NewBudget {
  name: string;
  scope: BudgetScope;
  tenantId?: string | null;
  siteId?: string | null;
  metric: BudgetMetric;
  threshold: number;
  channel: AlertChannel;
  target?: string | null;
  webhookSecret?: string | null;
  createdBy?: string | null;
}

/** What the CDN router advises for one site (monitoring asks cdn/ and passes the answers in). */
export interface CdnSwitchAdvice {
  siteId: string;
  siteName: string;
  currentProvider: string;
  recommendedProvider: string;
  /** KRW a month the move would save at the site's measured traffic. */
  monthlySavingKrw: number;
}

export const METRIC_LABELS: Record<BudgetMetric, string> = { cost: '비용', margin: '마진', capacity: '용량' };
export const SCOPE_LABELS: Record<BudgetScope, string> = { site: '사이트', tenant: '워크스페이스', platform: '플랫폼' };

export class BudgetInputError extends Error {}

// --- budgets ---------------------------------------------------------------------------------------

/**
 * Saves a budget. A webhook target goes through the same guard as the API's webhooks (net/,
 * decision 111): https only, public unicast addresses, checked here and again at every delivery.
 */
export async function createBudget(sql: Sql, input: NewBudget, options: { webhookPolicy?: WebhookTargetPolicy } = {}): Promise<Budget> {
  if (!input.name.trim()) throw new BudgetInputError('예산 이름을 입력해 주세요.');
  if (!Number.isFinite(input.threshold)) throw new BudgetInputError('기준값은 숫자로 입력해 주세요.');
  if (input.metric === 'capacity' && input.scope !== 'platform') throw new BudgetInputError('용량 예산은 플랫폼 범위로만 만들 수 있습니다.');
  if (input.metric === 'capacity' && (input.threshold < 0 || input.threshold > 100)) throw new BudgetInputError('용량 기준값은 0~100(%) 사이로 입력해 주세요.');
  if (input.channel === 'webhook') {
    try {
      await checkWebhookUrl(input.target ?? '', options.webhookPolicy ?? webhookTargetPolicy());
    } catch (error) {
      if (error instanceof WebhookUrlError) throw new BudgetInputError(error.messageKo, { cause: error });
      throw error;
    }
  }
  if (input.channel === 'email' && !/^[^@\s]+@[^@\s]+$/.test(input.target ?? '')) throw new BudgetInputError('알림 받을 이메일 주소를 확인해 주세요.');
  let tenantId = input.tenantId ?? null;
  const siteId = input.scope === 'site' ? (input.siteId ?? null) : null;
  if (input.scope === 'site') {
    if (!siteId) throw new BudgetInputError('사이트 예산에는 사이트를 골라 주세요.');
    const [site] = await sql<{ tenant_id: string }[]>`select tenant_id from sites where id = ${siteId}`;
    if (!site) throw new BudgetInputError('그 사이트를 찾을 수 없습니다. 목록에서 다시 골라 주세요.');
    tenantId = site.tenant_id;
  }
  if (input.scope === 'tenant' && !tenantId) throw new BudgetInputError('워크스페이스 예산에는 워크스페이스를 골라 주세요.');
  if (input.scope === 'platform') tenantId = null;
  const [row] = await sql`
    insert into budgets (name, scope, tenant_id, site_id, metric, threshold, channel, target, webhook_secret, created_by)
    values (${input.name.trim()}, ${input.scope}, ${tenantId}, ${siteId}, ${input.metric}, ${input.threshold}, ${input.channel},
            ${input.channel === 'dashboard' ? null : (input.target ?? null)}, ${input.webhookSecret ?? null}, ${input.createdBy ?? null})
    returning *`;
  return toBudget(row);
}

export async function listBudgets(sql: Sql): Promise<Budget[]> {
  const rows = await sql`select * from budgets order by enabled desc, id`;
  return rows.map(toBudget);
}

export async function setBudgetEnabled(sql: Sql, id: number, enabled: boolean): Promise<void> {
  await sql`update budgets set enabled = ${enabled} where id = ${id}`;
}

export async function deleteBudget(sql: Sql, id: number): Promise<void> {
  await sql`delete from budgets where id = ${id}`;
}

function toBudget(r: Record<string, unknown>): Budget {
  return {
    id: Number(r.id),
    name: r.name as string,
    scope: r.scope as BudgetScope,
    tenantId: (r.tenant_id as string | null) ?? null,
    siteId: (r.site_id as string | null) ?? null,
    metric: r.metric as BudgetMetric,
    threshold: Number(r.threshold),
    channel: r.channel as AlertChannel,
    target: (r.target as string | null) ?? null,
    hasSecret: r.webhook_secret !== null,
    enabled: r.enabled as boolean,
    createdAt: r.created_at as Date,
  };
}

function toAlert(r: Record<string, unknown>): Alert {
  return {
    id: Number(r.id),
    kind: r.kind as Alert['kind'],
    budgetId: r.budget_id === null ? null : Number(r.budget_id),
    siteId: (r.site_id as string | null) ?? null,
    subject: r.subject as string,
    value: r.value === null ? null : Number(r.value),
    threshold: r.threshold === null ? null : Number(r.threshold),
    message: r.message as string,
    detail: (r.detail as Record<string, unknown>) ?? {},
    firedAt: r.fired_at as Date,
    clearedAt: (r.cleared_at as Date | null) ?? null,
  };
}

export async function listAlerts(sql: Sql, options: { openOnly?: boolean; limit?: number } = {}): Promise<(Alert & { budgetName: string | null })[]> {
  const rows = await sql`
    select a.*, b.name as budget_name from alerts a left join budgets b on b.id = a.budget_id
    where ${options.openOnly ? sql`a.cleared_at is null` : sql`true`}
    order by (a.cleared_at is null) desc, a.fired_at desc, a.id desc limit ${options.limit ?? 100}`;
  return rows.map((r) => ({ ...toAlert(r), budgetName: (r.budget_name as string | null) ?? null }));
}

export async function listAlertDeliveries(sql: Sql, alertId: number) {
  return sql<{ event: string; channel: string; target: string | null; ok: boolean; status_code: number | null; error: string | null; attempted_at: Date }[]>`
    select event, channel, target, ok, status_code, error, attempted_at from alert_deliveries where alert_id = ${alertId} order by id`;
}

// --- measuring ------------------------------------------------------------------------------------

/** Month-to-date cost and revenue (KRW) of a budget's scope, from the daily roll-up. */
async function monthToDate(sql: Sql, b: Budget, today: string): Promise<{ cost: number; revenue: number }> {
  const from = `${today.slice(0, 7)}-01`;
  const scopeFilter =
    b.scope === 'site' ? sql`and site_id = ${b.siteId}` : b.scope === 'tenant' ? sql`and tenant_id = ${b.tenantId}` : sql``;
  const [cost] = await sql<{ total: string }[]>`
    select coalesce(sum(amount_krw), 0) as total from cost_daily where day between ${from}::date and ${today}::date ${scopeFilter}`;
  let revenue: { total: string };
  if (b.scope === 'site') {
    // A tenant's revenue is split equally among its sites.
    [revenue] = await sql<{ total: string }[]>`
      select coalesce(sum(r.amount_krw) / greatest((select count(*) from sites where tenant_id = ${b.tenantId}), 1), 0) as total
      from revenue_daily r where r.day between ${from}::date and ${today}::date and r.tenant_id = ${b.tenantId}`;
  } else {
    [revenue] = await sql<{ total: string }[]>`
      select coalesce(sum(amount_krw), 0) as total from revenue_daily
      where day between ${from}::date and ${today}::date ${b.scope === 'tenant' ? sql`and tenant_id = ${b.tenantId}` : sql``}`;
  }
  return { cost: Number(cost.total), revenue: Number(revenue.total) };
}

/** The busiest host's use in % (CPU, memory or disk, whichever is highest) from its latest sample. */
export async function busiestHostUse(sql: Sql): Promise<{ host: string; percent: number; resource: 'cpu' | 'memory' | 'disk' } | null> {
  const rows = await sql<{ host: string; cpu: string; mem: string; disk: string }[]>`
    select distinct on (host) host, cpu_percent as cpu,
           case when mem_total_bytes > 0 then 100.0 * mem_used_bytes / mem_total_bytes else 0 end as mem,
           case when disk_total_bytes > 0 then 100.0 * disk_used_bytes / disk_total_bytes else 0 end as disk
    from host_samples where at > now() - interval '15 minutes' order by host, at desc`;
  let best: { host: string; percent: number; resource: 'cpu' | 'memory' | 'disk' } | null = null;
  for (const r of rows) {
    for (const [resource, value] of [['cpu', Number(r.cpu)], ['memory', Number(r.mem)], ['disk', Number(r.disk)]] as const) {
      if (!best || value > best.percent) best = { host: r.host, percent: Math.round(value * 100) / 100, resource };
    }
  }
  return best;
}

const RESOURCE_LABELS = { cpu: 'CPU', memory: '메모리', disk: '디스크' } as const;
const won = (n: number) => `${Math.round(n).toLocaleString('ko-KR')}원`;

async function measure(sql: Sql, b: Budget, today: string): Promise<{ value: number; breached: boolean; message: string } | null> {
  const label = await scopeLabel(sql, b);
  if (b.metric === 'capacity') {
    const use = await busiestHostUse(sql);
    if (!use) return null; // no recent sample: nothing to judge
    return {
      value: use.percent,
      breached: use.percent > b.threshold,
      message: `${use.host}의 ${RESOURCE_LABELS[use.resource]} 사용률 ${use.percent.toFixed(1)}% (기준 ${b.threshold}%)`,
    };
  }
  const { cost, revenue } = await monthToDate(sql, b, today);
  if (b.metric === 'cost') {
    return { value: round2(cost), breached: cost > b.threshold, message: `${label} 이번 달 비용 ${won(cost)} (예산 ${won(b.threshold)})` };
  }
  const margin = revenue - cost;
  return { value: round2(margin), breached: margin < b.threshold, message: `${label} 이번 달 마진 ${won(margin)} (기준 ${won(b.threshold)})` };
}

async function scopeLabel(sql: Sql, b: Budget): Promise<string> {
  if (b.scope === 'platform') return '플랫폼';
  if (b.scope === 'site') {
    const [s] = await sql<{ name: string }[]>`select name from sites where id = ${b.siteId}`;
    return `사이트 '${s?.name ?? b.siteId}'`;
  }
  const [t] = await sql<{ name: string }[]>`select name from tenants where id = ${b.tenantId}`;
  return `워크스페이스 '${t?.name ?? b.tenantId}'`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

// --- delivery -------------------------------------------------------------------------------------

export interface DeliveryOptions {
  timeoutMs?: number;
  /** Where webhooks may go (net/); from the environment unless a test passes its own. */
  webhookPolicy?: WebhookTargetPolicy;
}

/** The signature a webhook receiver checks: hex HMAC-SHA256 of `${timestamp}.${body}` with the budget's secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

async function deliver(
  sql: Sql,
  alert: Alert,
  event: 'fired' | 'cleared',
  channel: { channel: AlertChannel; target: string | null; secret: string | null; budget?: Budget },
  options: DeliveryOptions,
): Promise<void> {
  if (channel.channel === 'dashboard') return;
  let ok = false;
  let statusCode: number | null = null;
  let error: string | null = null;
  if (channel.channel === 'email') {
    error = '메일 발송 서버가 설정되지 않아 보내지 못했습니다. 웹훅 채널을 쓰거나 메일 발송을 설정해 주세요.';
  } else {
    const body = JSON.stringify({
      type: `alert.${event}`,
      alert: {
        id: alert.id,
        kind: alert.kind,
        subject: alert.subject,
        siteId: alert.siteId,
        value: alert.value,
        threshold: alert.threshold,
        message: alert.message,
        detail: alert.detail,
        firedAt: alert.firedAt,
        clearedAt: alert.clearedAt,
      },
      budget: channel.budget ? { id: channel.budget.id, name: channel.budget.name, scope: channel.budget.scope, metric: channel.budget.metric } : null,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'WindWalker-Alerts/1', 'X-WindWalker-Timestamp': timestamp };
    if (channel.secret) headers['X-WindWalker-Signature'] = `sha256=${signWebhook(channel.secret, timestamp, body)}`;
    // Checked again at delivery, inside the socket's own lookup (no DNS rebinding), never redirected.
    try {
      const response = await postWebhook(channel.target ?? '', { headers, body, timeoutMs: options.timeoutMs ?? 5000 }, options.webhookPolicy ?? webhookTargetPolicy());
      statusCode = response.status;
      ok = response.status >= 200 && response.status < 300;
      if (!ok) error = response.location ? `HTTP ${response.status} (리다이렉트는 따르지 않습니다: ${response.location})` : `HTTP ${response.status}`;
    } catch (cause) {
      error = cause instanceof WebhookUrlError ? cause.messageKo : (cause as Error).message;
    }
  }
  await sql`
    insert into alert_deliveries (alert_id, event, channel, target, ok, status_code, error)
    values (${alert.id}, ${event}, ${channel.channel}, ${channel.target}, ${ok}, ${statusCode}, ${error})`;
}

// --- evaluation -----------------------------------------------------------------------------------

export interface EvaluateBudgetsOptions extends DeliveryOptions {
  now?: Date;
  /** The CDN router's current advice; sites not listed have no advice (their open alert clears). Omit to leave CDN alerts alone. */
  cdnAdvice?: CdnSwitchAdvice[];
}

export interface EvaluateBudgetsResult {
  fired: Alert[];
  cleared: Alert[];
  /** Budgets that could not be judged (no recent host sample for a capacity budget). */
  skipped: number[];
}

export async function evaluateBudgets(sql: Sql, options: EvaluateBudgetsOptions = {}): Promise<EvaluateBudgetsResult> {
  const today = seoulDay(options.now ?? new Date());
  const result: EvaluateBudgetsResult = { fired: [], cleared: [], skipped: [] };
  const budgets = (await listBudgets(sql)).filter((b) => b.enabled);
  const secrets = new Map(
    (await sql<{ id: string; webhook_secret: string | null }[]>`select id, webhook_secret from budgets`).map((r) => [Number(r.id), r.webhook_secret]),
  );
  for (const b of budgets) {
    const m = await measure(sql, b, today);
    if (!m) {
      result.skipped.push(b.id);
      continue;
    }
    const subject = `budget:${b.id}`;
    const channel = { channel: b.channel, target: b.target, secret: secrets.get(b.id) ?? null, budget: b };
    if (m.breached) {
      const [row] = await sql`
        insert into alerts (kind, budget_id, site_id, subject, value, threshold, message, detail)
        values ('budget', ${b.id}, ${b.siteId}, ${subject}, ${m.value}, ${b.threshold}, ${m.message},
                ${sql.json({ scope: b.scope, metric: b.metric, tenantId: b.tenantId })})
        on conflict (kind, subject) where cleared_at is null do nothing
        returning *`;
      if (row) {
        const alert = toAlert(row);
        result.fired.push(alert);
        await deliver(sql, alert, 'fired', channel, options);
      } else {
        await sql`update alerts set value = ${m.value} where kind = 'budget' and subject = ${subject} and cleared_at is null`;
      }
    } else {
      const rows = await sql`
        update alerts set cleared_at = now(), value = ${m.value}
        where kind = 'budget' and subject = ${subject} and cleared_at is null returning *`;
      for (const row of rows) {
        const alert = toAlert(row);
        result.cleared.push(alert);
        await deliver(sql, alert, 'cleared', channel, options);
      }
    }
  }
  // Alerts of budgets that were disabled or deleted since they fired clear quietly.
  await sql`
    update alerts a set cleared_at = now() from budgets b
    where a.kind = 'budget' and a.cleared_at is null and a.budget_id = b.id and not b.enabled`;

  if (options.cdnAdvice) {
    // CDN advice goes to the channels of the enabled platform cost budgets (the people who
    // watch the platform's spend), and always to the dashboard.
    const watchers = budgets.filter((b) => b.scope === 'platform' && b.metric === 'cost' && b.channel !== 'dashboard');
    const advised = new Map(options.cdnAdvice.filter((a) => a.recommendedProvider !== a.currentProvider).map((a) => [a.siteId, a]));
    for (const advice of advised.values()) {
      const message = `사이트 '${advice.siteName}'은(는) ${advice.currentProvider}에서 ${advice.recommendedProvider}(으)로 옮기면 월 ${won(advice.monthlySavingKrw)}을 아낍니다.`;
      const [row] = await sql`
        insert into alerts (kind, site_id, subject, value, message, detail)
        values ('cdn_switch', ${advice.siteId}, ${`cdn:${advice.siteId}`}, ${round2(advice.monthlySavingKrw)}, ${message},
                ${sql.json({ currentProvider: advice.currentProvider, recommendedProvider: advice.recommendedProvider })})
        on conflict (kind, subject) where cleared_at is null do nothing
        returning *`;
      if (!row) continue;
      const alert = toAlert(row);
      result.fired.push(alert);
      for (const w of watchers) await deliver(sql, alert, 'fired', { channel: w.channel, target: w.target, secret: secrets.get(w.id) ?? null, budget: w }, options);
    }
    const open = await sql`select * from alerts where kind = 'cdn_switch' and cleared_at is null`;
    for (const row of open) {
      const stillAdvised = advised.get(row.site_id as string);
      if (stillAdvised && (row.detail as Record<string, unknown>).recommendedProvider === stillAdvised.recommendedProvider) continue;
      const [cleared] = await sql`update alerts set cleared_at = now() where id = ${row.id} and cleared_at is null returning *`;
      if (!cleared) continue;
      const alert = toAlert(cleared);
      result.cleared.push(alert);
      for (const w of watchers) await deliver(sql, alert, 'cleared', { channel: w.channel, target: w.target, secret: secrets.get(w.id) ?? null, budget: w }, options);
    }
  }
  return result;
}

const providerLabel = (name: string) => PROVIDER_LABELS[name as ProviderName] ?? name;

/** A move the monitor made on the CDN router's advice (cdn runTrafficMoves). */
export interface AppliedCdnMove {
  siteId: string;
  siteName: string;
  from: string;
  to: string;
  migrationId: string;
  costBeforeKrw: number | null;
  costAfterKrw: number;
}

/**
 * Traffic moves are switched on and the monitor moved these sites: each site's open 'cdn_switch'
 * alert is cleared and marked applied (detail.applied: the move), and a site advised for the first
 * time in the same round gets its alert recorded already applied — so the dashboard and the
 * watchers of the platform cost budgets see what was done, not only what was advised.
 */
export async function markCdnSwitchApplied(sql: Sql, moves: AppliedCdnMove[], options: DeliveryOptions = {}): Promise<Alert[]> {
  if (moves.length === 0) return [];
  const budgets = (await listBudgets(sql)).filter((b) => b.enabled && b.scope === 'platform' && b.metric === 'cost' && b.channel !== 'dashboard');
  const secrets = new Map(
    (await sql<{ id: string; webhook_secret: string | null }[]>`select id, webhook_secret from budgets`).map((r) => [Number(r.id), r.webhook_secret]),
  );
  const applied: Alert[] = [];
  for (const move of moves) {
    const saving = move.costBeforeKrw === null ? null : Math.max(0, move.costBeforeKrw - move.costAfterKrw);
    const message = `사이트 '${move.siteName}'을(를) ${providerLabel(move.from)}에서 ${providerLabel(move.to)}(으)로 자동으로 옮겼습니다` +
      (saving === null ? '.' : ` (월 ${won(saving)} 절약).`);
    const detail = { currentProvider: move.from, recommendedProvider: move.to, applied: { migrationId: move.migrationId, from: move.from, to: move.to, at: new Date().toISOString() } };
    let [row] = await sql`
      update alerts set cleared_at = now(), message = ${message}, detail = detail || ${sql.json(detail)}
      where kind = 'cdn_switch' and subject = ${`cdn:${move.siteId}`} and cleared_at is null
      returning *`;
    row ??= (await sql`
      insert into alerts (kind, site_id, subject, value, message, detail, cleared_at)
      values ('cdn_switch', ${move.siteId}, ${`cdn:${move.siteId}`}, ${saving === null ? null : round2(saving)}, ${message}, ${sql.json(detail)}, now())
      returning *`)[0];
    const alert = toAlert(row);
    applied.push(alert);
    for (const w of budgets) await deliver(sql, alert, 'cleared', { channel: w.channel, target: w.target, secret: secrets.get(w.id) ?? null, budget: w }, options);
  }
  return applied;
}
