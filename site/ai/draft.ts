import type Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages/messages';
import { zodToJsonSchema } from 'zod-to-json-schema';
import {
  businessTypes,
  sectionSchema,
  siteDocumentSchema,
  validateSiteDocument,
  type Section,
  type SiteDocument,
  type SiteDocumentError,
} from '../schema.ts';
import { sectionLabels, sectionTypes } from '../sections.ts';

/**
 * AI drafts: the owner describes the business, the model answers through a tool whose input
 * schema is derived from the SAME zod schema the editor and the renderer use, and the answer is
 * validated with validateSiteDocument. An invalid answer gets one repair round (its validation
 * errors are sent back as the tool result); a second invalid answer is rejected with a Korean
 * message and the caller stores nothing. Pure of I/O except through the client passed in.
 */

/** The part of the Anthropic client the drafts use (an `Anthropic` instance fits). */
export type AiClient = Pick<Anthropic, 'messages'>;

export const DEFAULT_AI_MODEL = 'claude-sonnet-4-5';
export const SITE_DRAFT_TOOL = 'create_site_document';
export const REWRITE_SECTION_TOOL = 'rewrite_section';

export interface AiUsage {
  inputTokens: number;
  outputTokens: number;
  model: string;
}

export type AiFailureReason = 'invalid-output' | 'no-tool-call' | 'api-error';

/**
 * What the owner is told when an AI call could not give a usable answer. `usage` carries the
 * tokens that were spent anyway (they are still recorded), `details` the validation errors.
 */
export class AiDraftError extends Error {
  readonly reason: AiFailureReason;
  readonly usage: AiUsage;
  readonly details: SiteDocumentError[];
  constructor(message: string, opts: { reason: AiFailureReason; usage: AiUsage; details?: SiteDocumentError[]; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'AiDraftError';
    this.reason = opts.reason;
    this.usage = opts.usage;
    this.details = opts.details ?? [];
  }
}

export const AI_INVALID_DRAFT_MESSAGE =
  'AI가 만든 초안이 사이트 형식에 맞지 않아 저장하지 않았습니다. 설명을 조금 더 구체적으로 적어 다시 시도하거나 템플릿으로 시작해 주세요.';
export const AI_INVALID_REWRITE_MESSAGE = 'AI가 고쳐 쓴 글이 섹션 형식에 맞지 않아 반영하지 않았습니다. 요청을 바꿔 다시 시도해 주세요.';
export const AI_NO_ANSWER_MESSAGE = 'AI가 결과를 돌려주지 않았습니다. 잠시 후 다시 시도해 주세요.';

// ---------------------------------------------------------------------------------------------
// tool schemas from the zod schemas

type JsonSchema = Record<string, unknown>;

function toToolSchema(schema: Parameters<typeof zodToJsonSchema>[0]): Tool.InputSchema {
  const json = zodToJsonSchema(schema, { $refStrategy: 'none', target: 'jsonSchema7' }) as JsonSchema;
  delete json.$schema;
  return json as Tool.InputSchema;
}

let draftSchemaCache: Tool.InputSchema | undefined;
/** The draft tool's input schema: the site document schema as JSON Schema. */
export function siteDraftToolSchema(): Tool.InputSchema {
  draftSchemaCache ??= toToolSchema(siteDocumentSchema);
  return draftSchemaCache;
}

const sectionSchemaCache = new Map<string, Tool.InputSchema>();
/** The rewrite tool's input schema: the one section type being rewritten. */
export function sectionToolSchema(type: Section['type']): Tool.InputSchema {
  let cached = sectionSchemaCache.get(type);
  if (!cached) {
    const option = sectionSchema.options.find((candidate) => candidate.shape.type.value === type);
    if (!option) throw new Error(`No schema for section type ${type}`);
    cached = toToolSchema(option);
    sectionSchemaCache.set(type, cached);
  }
  return cached;
}

// ---------------------------------------------------------------------------------------------
// draft

export interface SiteDraftInput {
  description: string;
  businessType?: (typeof businessTypes)[number];
  /** The language the site is written in. */
  language: 'ko' | 'en';
  model?: string;
  maxTokens?: number;
}

export interface SiteDraft {
  document: SiteDocument;
  usage: AiUsage;
}

const SYSTEM_DRAFT = [
  'You write complete small-business websites for WindWalker, a Korean no-code website builder.',
  `Always answer by calling the tool "${SITE_DRAFT_TOOL}" exactly once with a complete site document.`,
  'Rules:',
  '- version is 1. Write real, specific copy from the owner\'s description; never lorem ipsum.',
  '- The home page has slug "" (empty). Other pages use short lowercase English slugs (menu, about-us). Never use the slugs privacy, assets, sitemap, robots, favicon, 404, api, healthz.',
  '- Page and section ids are short, unique across the whole document, and use only letters, digits, - and _.',
  `- Section types: ${sectionTypes.map((type) => `${type} (${sectionLabels[type]})`).join(', ')}. Use 3 to 8 sections on the home page.`,
  '- hours.weekly lists exactly 7 days in order mon, tue, wed, thu, fri, sat, sun.',
  '- Do not include images (no logo, no image fields, gallery items empty) and no links to other websites; the owner uploads photos later.',
  '- Leave business details you do not know (representative, address, phone, email, registrationNumber, mailOrderNumber, privacyOfficer) as empty strings. Never invent a phone number, address or registration number.',
  '- Prices are integer KRW (원). Colours are #rrggbb with readable contrast between text and background.',
  '- Respect every maxLength in the schema.',
].join('\n');

function draftPrompt(input: SiteDraftInput): string {
  const language = input.language === 'en' ? 'English' : 'Korean (한국어)';
  const lines = [
    `Write the site in ${language}.`,
    input.businessType ? `Business type (schema.org): ${input.businessType}.` : '',
    'The owner describes the business:',
    '<description>',
    input.description.trim(),
    '</description>',
  ];
  return lines.filter(Boolean).join('\n');
}

/** Validation errors as the tool result of a repair round. */
function repairMessage(errors: SiteDocumentError[]): string {
  const shown = errors.slice(0, 40).map((error) => `- ${error.path || '(document)'}: ${error.message}`);
  const more = errors.length > 40 ? [`… and ${errors.length - 40} more`] : [];
  return ['The document did not pass validation. Call the tool again with the whole corrected document. Errors:', ...shown, ...more].join('\n');
}

function addUsage(total: AiUsage, message: Message): void {
  total.inputTokens += message.usage?.input_tokens ?? 0;
  total.outputTokens += message.usage?.output_tokens ?? 0;
  // `model` stays the name that was asked for: llm_prices is keyed by it, while the API may
  // answer with a dated snapshot id of the same model.
}

function findToolCall(message: Message, name: string): { id: string; input: unknown } | null {
  for (const block of message.content ?? []) {
    if (block.type === 'tool_use' && block.name === name) return { id: block.id, input: block.input };
  }
  return null;
}

async function callModel(client: AiClient, params: Parameters<AiClient['messages']['create']>[0], usage: AiUsage, failure: string): Promise<Message> {
  try {
    const message = (await client.messages.create({ ...params, stream: false })) as Message;
    addUsage(usage, message);
    return message;
  } catch (cause) {
    throw new AiDraftError(apiErrorMessage(cause) ?? failure, { reason: 'api-error', usage, cause });
  }
}

function apiErrorMessage(cause: unknown): string | null {
  const status = (cause as { status?: number })?.status;
  if (status === 429 || status === 529) return 'AI 서비스가 지금 몹시 바쁩니다. 1~2분 뒤에 다시 시도해 주세요.';
  if (status === 401 || status === 403) return 'AI 서비스 인증에 실패했습니다. 관리자에게 ANTHROPIC_API_KEY 설정을 확인해 달라고 알려 주세요.';
  if (typeof status === 'number' && status >= 500) return 'AI 서비스에 일시적인 문제가 있습니다. 잠시 후 다시 시도해 주세요.';
  if (typeof status === 'number') return 'AI 서비스가 요청을 받지 않았습니다. 설명을 줄이거나 바꿔 다시 시도해 주세요.';
  return 'AI 서비스에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.';
}

/**
 * Asks the model for a complete site document. Resolves with a document that passed
 * validateSiteDocument; throws AiDraftError (Korean message, tokens spent) otherwise.
 */
export async function generateSiteDraft(client: AiClient, input: SiteDraftInput): Promise<SiteDraft> {
  const description = input.description.trim();
  const model = input.model ?? DEFAULT_AI_MODEL;
  const usage: AiUsage = { inputTokens: 0, outputTokens: 0, model };
  if (description.length < 10) {
    throw new AiDraftError('가게나 회사를 두세 문장(10자 이상)으로 설명해 주세요.', { reason: 'invalid-output', usage });
  }
  if (description.length > 2000) {
    throw new AiDraftError('설명은 2,000자 이내로 줄여 주세요.', { reason: 'invalid-output', usage });
  }
  const tool: Tool = {
    name: SITE_DRAFT_TOOL,
    description: 'Creates the complete WindWalker site document (pages, sections, theme, business details) for the described business.',
    input_schema: siteDraftToolSchema(),
  };
  const messages: MessageParam[] = [{ role: 'user', content: draftPrompt({ ...input, description }) }];
  let lastErrors: SiteDocumentError[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const message = await callModel(
      client,
      { model, max_tokens: input.maxTokens ?? 8192, system: SYSTEM_DRAFT, tools: [tool], tool_choice: { type: 'tool', name: SITE_DRAFT_TOOL }, messages },
      usage,
      AI_NO_ANSWER_MESSAGE,
    );
    const call = findToolCall(message, SITE_DRAFT_TOOL);
    if (!call) {
      throw new AiDraftError(AI_NO_ANSWER_MESSAGE, { reason: 'no-tool-call', usage });
    }
    const checked = validateSiteDocument(call.input);
    if (checked.ok) return { document: checked.document, usage };
    lastErrors = message.stop_reason === 'max_tokens'
      ? [{ path: '', message: 'The answer was cut off at max_tokens; write a shorter document.' }, ...checked.errors]
      : checked.errors;
    messages.push(
      { role: 'assistant', content: message.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, is_error: true, content: repairMessage(lastErrors) }] },
    );
  }
  throw new AiDraftError(AI_INVALID_DRAFT_MESSAGE, { reason: 'invalid-output', usage, details: lastErrors });
}

// ---------------------------------------------------------------------------------------------
// rewrite one section's text

export interface RewriteSectionInput {
  section: Section;
  instruction: string;
  language?: 'ko' | 'en';
  model?: string;
}

export interface RewrittenSection {
  section: Section;
  usage: AiUsage;
}

const SYSTEM_REWRITE = [
  'You rewrite the text of one section of a small-business website built with WindWalker.',
  `Always answer by calling the tool "${REWRITE_SECTION_TOOL}" exactly once with the whole rewritten section.`,
  'Keep id, type, every image, every link (href) and every number (prices, ratings, retention months, times) exactly as given; change only the wording.',
  'Never invent phone numbers, addresses or facts that are not in the original or the instruction. Respect every maxLength in the schema.',
].join('\n');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Puts back everything that is not wording: ids, images, links, numbers and booleans. */
function keepNonText(original: Json, rewritten: Json, key = ''): Json {
  if (original === null || typeof original !== 'object') {
    if (typeof original === 'string' && (key === 'href' || key === 'id' || key === 'type' || key === 'day' || key === 'date' || key === 'kakaoChannelUrl' || key === 'phone' || /^(open|close|breakStart|breakEnd)$/.test(key))) {
      return original;
    }
    if (typeof original !== 'string') return original;
    return typeof rewritten === 'string' ? rewritten : original;
  }
  if (Array.isArray(original)) {
    if (!Array.isArray(rewritten) || rewritten.length !== original.length) return original;
    return original.map((item, index) => keepNonText(item, rewritten[index] ?? null, key));
  }
  if ('assetId' in original || 'url' in original) {
    // an image: keep the file, accept new alt text
    const alt = rewritten && typeof rewritten === 'object' && !Array.isArray(rewritten) && typeof rewritten.alt === 'string' ? rewritten.alt : original.alt;
    return { ...original, alt: alt ?? '' };
  }
  const source = rewritten && typeof rewritten === 'object' && !Array.isArray(rewritten) ? rewritten : {};
  const out: { [key: string]: Json } = {};
  for (const [name, value] of Object.entries(original)) out[name] = keepNonText(value, source[name] ?? null, name);
  return out;
}

/** Rewrites a section's wording as the owner asks; structure, images, links and numbers stay. */
export async function rewriteSectionText(client: AiClient, input: RewriteSectionInput): Promise<RewrittenSection> {
  const model = input.model ?? DEFAULT_AI_MODEL;
  const usage: AiUsage = { inputTokens: 0, outputTokens: 0, model };
  const instruction = input.instruction.trim();
  if (instruction.length === 0) throw new AiDraftError('어떻게 고쳐 쓸지 적어 주세요 (예: 더 친근하게, 더 짧게).', { reason: 'invalid-output', usage });
  if (instruction.length > 500) throw new AiDraftError('요청은 500자 이내로 적어 주세요.', { reason: 'invalid-output', usage });
  const tool: Tool = {
    name: REWRITE_SECTION_TOOL,
    description: `Returns the rewritten "${input.section.type}" section.`,
    input_schema: sectionToolSchema(input.section.type),
  };
  const language = input.language === 'en' ? 'English' : 'the same language as the section';
  const messages: MessageParam[] = [
    {
      role: 'user',
      content: [`Rewrite in ${language}. Instruction from the owner:`, '<instruction>', instruction, '</instruction>', 'The section (JSON):', JSON.stringify(input.section)].join('\n'),
    },
  ];
  let lastErrors: SiteDocumentError[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const message = await callModel(
      client,
      { model, max_tokens: 4096, system: SYSTEM_REWRITE, tools: [tool], tool_choice: { type: 'tool', name: REWRITE_SECTION_TOOL }, messages },
      usage,
      AI_NO_ANSWER_MESSAGE,
    );
    const call = findToolCall(message, REWRITE_SECTION_TOOL);
    if (!call) throw new AiDraftError(AI_NO_ANSWER_MESSAGE, { reason: 'no-tool-call', usage });
    const merged = keepNonText(input.section as unknown as Json, (call.input ?? null) as Json);
    const checked = sectionSchema.safeParse(merged);
    if (checked.success) return { section: checked.data, usage };
    lastErrors = checked.error.issues.map((issue) => ({ path: issue.path.join('.'), message: `${issue.path.join('.')}: ${issue.message}` }));
    messages.push(
      { role: 'assistant', content: message.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, is_error: true, content: repairMessage(lastErrors) }] },
    );
  }
  throw new AiDraftError(AI_INVALID_REWRITE_MESSAGE, { reason: 'invalid-output', usage, details: lastErrors });
}
