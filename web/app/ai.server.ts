// AI drafts and section rewrites for the web app: the Anthropic client from the environment,
// the plan limit on drafts, the token usage written to llm_usage (per tenant and site; the cost
// roll-up in monitoring/ prices it), and the site created from a validated draft. A draft that
// fails validation is never stored; its tokens are still recorded, since they were spent.
import { assertWithinPlanLimit, BillingError, planInForce, UPGRADE_URL } from '../../billing/index.ts';
import { env } from '../../config/env.ts';
import { isUuid, withTenant, type Sql, type TransactionSql } from '../../db/index.ts';
import { AiDraftError, generateSiteDraft, rewriteSectionText, type AiClient, type AiUsage } from '../../site/ai/index.ts';
import { businessTypes, sectionSchema, type Section } from '../../site/index.ts';
import { createSite, siteLimitReached, type FieldError, type SiteRecord } from './sites.server.ts';

export const AI_NOT_CONFIGURED_MESSAGE = 'AI 기능이 설정되지 않았습니다. 관리자가 ANTHROPIC_API_KEY를 설정하면 쓸 수 있습니다. 지금은 템플릿으로 시작해 주세요.';

export type AiPurpose = 'draft' | 'rewrite';

/**
 * The Anthropic client for this process, or null when ANTHROPIC_API_KEY is not set. The SDK is
 * loaded on first use: most web processes never call the model, and loading it costs ~30 MB.
 */
export async function aiClientFromEnv(): Promise<AiClient | null> {
  const { ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL } = env();
  if (!ANTHROPIC_API_KEY) return null;
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  return new Anthropic({ apiKey: ANTHROPIC_API_KEY, baseURL: ANTHROPIC_BASE_URL, maxRetries: 2, timeout: 120_000 });
}

export function isAiConfigured(): boolean {
  return Boolean(env().ANTHROPIC_API_KEY);
}

/** One row per AI request the owner made (a draft with its repair round is one row). */
export async function recordLlmUsage(
  sql: Sql,
  input: { tenantId: string; siteId: string | null; purpose: AiPurpose | `${AiPurpose}-rejected`; usage: AiUsage },
): Promise<void> {
  if (input.usage.inputTokens === 0 && input.usage.outputTokens === 0) return;
  await withTenant(sql, input.tenantId, (tx) => tx`
    insert into llm_usage (tenant_id, site_id, model, purpose, input_tokens, output_tokens)
    values (${input.tenantId}, ${input.siteId}, ${input.usage.model}, ${input.purpose}, ${input.usage.inputTokens}, ${input.usage.outputTokens})`);
}

/** Drafts asked for in this calendar month (Asia/Seoul), rejected and in-flight ones included. */
export async function countAiDraftsThisMonth(sql: Sql, tenantId: string): Promise<number> {
  return withTenant(sql, tenantId, (tx) => countDrafts(tx));
}

async function countDrafts(tx: TransactionSql): Promise<number> {
  const [row] = await tx<{ n: number }[]>`
    select (select count(*) from llm_usage
            where purpose in ('draft', 'draft-rejected')
              and at >= date_trunc('month', now() at time zone 'Asia/Seoul') at time zone 'Asia/Seoul')::int
         + (select count(*) from ai_draft_reservations where reserved_at > now() - interval '10 minutes')::int as n`;
  return row.n;
}

/**
 * Takes one of the plan's monthly drafts before the model is asked: counted and reserved under
 * the workspace row's lock (migration 083), so two drafts asked at once cannot both take the
 * last one. settleAiDraft records the usage and removes the reservation.
 */
async function reserveAiDraft(sql: Sql, tenantId: string): Promise<string> {
  return withTenant(sql, tenantId, async (tx) => {
    await tx`select 1 from tenants where id = ${tenantId} for update`;
    assertWithinPlanLimit(await planInForce(tx), 'aiDraftsPerMonth', await countDrafts(tx));
    const [row] = await tx<{ id: string }[]>`insert into ai_draft_reservations (tenant_id) values (${tenantId}) returning id`;
    return String(row.id);
  });
}

async function settleAiDraft(
  sql: Sql,
  input: { tenantId: string; reservationId: string; siteId: string | null; purpose: 'draft' | 'draft-rejected'; usage: AiUsage | null },
): Promise<void> {
  const { usage } = input;
  await withTenant(sql, input.tenantId, async (tx) => {
    if (usage && (usage.inputTokens > 0 || usage.outputTokens > 0)) {
      await tx`
        insert into llm_usage (tenant_id, site_id, model, purpose, input_tokens, output_tokens)
        values (${input.tenantId}, ${input.siteId}, ${usage.model}, ${input.purpose}, ${usage.inputTokens}, ${usage.outputTokens})`;
    }
    await tx`delete from ai_draft_reservations where id = ${input.reservationId}`;
  });
}

export type AiDraftSiteResult =
  | { ok: true; site: SiteRecord; usage: AiUsage }
  | { ok: false; errors: FieldError[]; upgradeUrl?: string };

/**
 * "AI로 초안 만들기": checks the plan, asks the model, and creates the site from the validated
 * draft. Everything the owner should read comes back as field errors in Korean.
 */
export async function createSiteFromAiDraft(
  sql: Sql,
  client: AiClient | null,
  input: { tenantId: string; userId: string | null; name: string; slug: string; description: string; language: 'ko' | 'en'; businessType?: string },
): Promise<AiDraftSiteResult> {
  if (!client) return { ok: false, errors: [{ field: 'ai', message: AI_NOT_CONFIGURED_MESSAGE }] };
  const name = input.name.trim();
  if (name.length === 0) return { ok: false, errors: [{ field: 'name', message: '사이트 이름을 입력해 주세요.' }] };
  if (name.length > 60) return { ok: false, errors: [{ field: 'name', message: '사이트 이름은 60자 이하로 입력해 주세요.' }] };
  // The plan's site limit first: a draft that could not become a site would spend tokens for nothing.
  const siteLimit = await siteLimitReached(sql, input.tenantId);
  if (siteLimit) return { ok: false, errors: [{ field: 'plan', message: siteLimit.message }], upgradeUrl: siteLimit.upgradeUrl };
  let reservationId: string;
  try {
    reservationId = await reserveAiDraft(sql, input.tenantId);
  } catch (error) {
    if (error instanceof BillingError) return { ok: false, errors: [{ field: 'ai', message: error.message }], upgradeUrl: UPGRADE_URL };
    throw error;
  }
  const businessType = businessTypes.find((type) => type === input.businessType);
  let draft;
  try {
    draft = await generateSiteDraft(client, { description: input.description, language: input.language, businessType });
  } catch (error) {
    if (!(error instanceof AiDraftError)) {
      await settleAiDraft(sql, { tenantId: input.tenantId, reservationId, siteId: null, purpose: 'draft-rejected', usage: null });
      throw error;
    }
    await settleAiDraft(sql, { tenantId: input.tenantId, reservationId, siteId: null, purpose: 'draft-rejected', usage: error.usage });
    return { ok: false, errors: [{ field: error.reason === 'invalid-output' && error.usage.inputTokens === 0 ? 'description' : 'ai', message: error.message }] };
  }
  // The owner's name for the site wins over the model's; the business keeps it too.
  const document = { ...draft.document, name, business: { ...draft.document.business, name } };
  const created = await createSite(sql, { tenantId: input.tenantId, userId: input.userId, name, slug: input.slug, templateId: 'ai', document });
  await settleAiDraft(sql, { tenantId: input.tenantId, reservationId, siteId: created.ok ? created.site.id : null, purpose: 'draft', usage: draft.usage });
  if (!created.ok) return created;
  return { ok: true, site: created.site, usage: draft.usage };
}

export type AiRewriteResult = { ok: true; section: Section } | { ok: false; status: 400 | 404 | 503; message: string };

/** Rewrites one section's wording; the editor puts the answer in its document and autosaves. */
export async function rewriteSiteSection(
  sql: Sql,
  client: AiClient | null,
  input: { tenantId: string; siteId: string; section: unknown; instruction: string },
): Promise<AiRewriteResult> {
  if (!client) return { ok: false, status: 503, message: AI_NOT_CONFIGURED_MESSAGE };
  if (!isUuid(input.siteId)) return { ok: false, status: 404, message: '사이트를 찾을 수 없습니다.' };
  const exists = await withTenant(sql, input.tenantId, (tx) => tx`select 1 from sites where id = ${input.siteId}`);
  if (exists.length === 0) return { ok: false, status: 404, message: '사이트를 찾을 수 없습니다.' };
  const parsed = sectionSchema.safeParse(input.section);
  if (!parsed.success) return { ok: false, status: 400, message: `섹션 내용이 올바르지 않습니다: ${parsed.error.issues[0]?.message ?? ''} 먼저 입력을 고친 뒤 다시 시도해 주세요.` };
  try {
    const result = await rewriteSectionText(client, { section: parsed.data, instruction: input.instruction });
    await recordLlmUsage(sql, { tenantId: input.tenantId, siteId: input.siteId, purpose: 'rewrite', usage: result.usage });
    return { ok: true, section: result.section };
  } catch (error) {
    if (!(error instanceof AiDraftError)) throw error;
    await recordLlmUsage(sql, { tenantId: input.tenantId, siteId: input.siteId, purpose: 'rewrite-rejected', usage: error.usage });
    return { ok: false, status: error.reason === 'api-error' ? 503 : 400, message: error.message };
  }
}
