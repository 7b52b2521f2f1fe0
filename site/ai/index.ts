/**
 * site/ai — AI site drafts and per-section rewrites with the Anthropic Messages API (tool use
 * with the document schema). Pure of I/O except through the client the caller passes in; the
 * caller (web/app/ai.server.ts) records the token usage and stores only validated documents.
 */
export {
  generateSiteDraft,
  rewriteSectionText,
  siteDraftToolSchema,
  sectionToolSchema,
  AiDraftError,
  AI_INVALID_DRAFT_MESSAGE,
  AI_INVALID_REWRITE_MESSAGE,
  AI_NO_ANSWER_MESSAGE,
  DEFAULT_AI_MODEL,
  SITE_DRAFT_TOOL,
  REWRITE_SECTION_TOOL,
  type AiClient,
  type AiUsage,
  type AiFailureReason,
  type SiteDraftInput,
  type SiteDraft,
  type RewriteSectionInput,
  type RewrittenSection,
} from './draft.ts';
