import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSiteDocument, validateSiteDocument, type SectionOf } from '../index.ts';
import { startMessagesContractServer, type MessagesContractServer } from './contract/messages-server.ts';
import { AiDraftError, AI_INVALID_DRAFT_MESSAGE, generateSiteDraft, rewriteSectionText, SITE_DRAFT_TOOL } from './index.ts';

let api: MessagesContractServer;
let client: Anthropic;

beforeAll(async () => {
  api = await startMessagesContractServer();
  client = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 2 });
});
afterAll(() => api?.close());
beforeEach(() => {
  api.requests.length = 0;
  api.rejected.length = 0;
});

const description = '망원동 골목에서 직접 로스팅하는 작은 카페입니다. 핸드드립과 수제 케이크가 자랑이고 월요일은 쉽니다.';
const goodDocument = () => createSiteDocument('cafe', { siteName: '망원 로스터리' });

describe('generateSiteDraft', () => {
  it('asks through a tool whose schema is the document schema and returns the validated document with tokens', async () => {
    api.script({ kind: 'tool_use', input: goodDocument(), outputTokens: 3000 });
    const draft = await generateSiteDraft(client, { description, language: 'ko' });
    expect(draft.document.name).toBe('망원 로스터리');
    expect(validateSiteDocument(draft.document).ok).toBe(true);
    expect(draft.usage.outputTokens).toBe(3000);
    expect(draft.usage.inputTokens).toBeGreaterThan(100);
    expect(draft.usage.model).toBe('claude-sonnet-4-5');
    const [request] = api.requests;
    expect(request.tool_choice).toEqual({ type: 'tool', name: SITE_DRAFT_TOOL });
    const schema = request.tools![0].input_schema as { type: string; required: string[]; properties: Record<string, unknown> };
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'name', 'theme', 'business', 'pages']));
    expect(JSON.stringify(request.messages[0].content)).toContain('망원동 골목');
    expect(api.rejected).toEqual([]);
  });

  it('repairs a malformed answer by sending the validation errors back once', async () => {
    const broken = { ...goodDocument(), theme: { primary: 'brown' } } as unknown;
    api.script({ kind: 'tool_use', input: broken }, { kind: 'tool_use', input: goodDocument() });
    const draft = await generateSiteDraft(client, { description, language: 'ko' });
    expect(draft.document.theme.primary).toMatch(/^#[0-9a-f]{6}$/);
    expect(api.requests).toHaveLength(2);
    const repair = api.requests[1].messages;
    expect(repair.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const result = (repair[2].content as { type: string; is_error: boolean; content: string }[])[0];
    expect(result.type).toBe('tool_result');
    expect(result.is_error).toBe(true);
    expect(result.content).toContain('theme.primary');
    expect(draft.usage.inputTokens).toBeGreaterThan(api.requests.length);
  });

  it('rejects an answer that is still malformed after the repair, with a Korean message and the tokens spent', async () => {
    api.script({ kind: 'tool_use', input: { version: 2, pages: [] } }, { kind: 'tool_use', input: { version: 1, name: '<script>', pages: 'home' }, outputTokens: 77 });
    const error = await generateSiteDraft(client, { description, language: 'ko' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDraftError);
    const failure = error as AiDraftError;
    expect(failure.message).toBe(AI_INVALID_DRAFT_MESSAGE);
    expect(failure.reason).toBe('invalid-output');
    expect(failure.details.length).toBeGreaterThan(0);
    expect(failure.usage.outputTokens).toBeGreaterThanOrEqual(77);
    expect(api.requests).toHaveLength(2);
  });

  it('treats an answer without the tool call as no answer', async () => {
    api.script({ kind: 'text', text: '죄송합니다. 도와드릴 수 없습니다.' });
    await expect(generateSiteDraft(client, { description, language: 'ko' })).rejects.toMatchObject({ reason: 'no-tool-call' });
  });

  it('waits out 429 and 529 answers with retry-after and then succeeds', async () => {
    api.script({ kind: 'error', status: 429, retryAfterSeconds: 1 }, { kind: 'error', status: 529, retryAfterSeconds: 1 }, { kind: 'tool_use', input: goodDocument() });
    const draft = await generateSiteDraft(client, { description, language: 'en' });
    expect(draft.document.pages.length).toBeGreaterThan(0);
    expect(api.requests).toHaveLength(3);
  });

  it('says in Korean that the service is busy when it stays overloaded', async () => {
    const once = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 0 });
    api.script({ kind: 'error', status: 529, retryAfterSeconds: 1 });
    await expect(generateSiteDraft(once, { description, language: 'ko' })).rejects.toMatchObject({ reason: 'api-error', message: expect.stringContaining('바쁩니다') });
  });

  it('is refused by the contract server with a wrong key, as the real API would', async () => {
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: api.url, maxRetries: 0 });
    await expect(generateSiteDraft(wrong, { description, language: 'ko' })).rejects.toMatchObject({ message: expect.stringContaining('인증') });
    expect(api.rejected[0]).toMatchObject({ status: 401 });
  });

  it('asks for a longer description before calling the model', async () => {
    await expect(generateSiteDraft(client, { description: '카페', language: 'ko' })).rejects.toThrow(/10자 이상/);
    expect(api.requests).toHaveLength(0);
  });
});

describe('rewriteSectionText', () => {
  const about = goodDocument().pages[0].sections.find((s) => s.type === 'about') as SectionOf<'about'>;

  it('returns the rewritten wording with id, type and images kept', async () => {
    const section = { ...about, image: { url: 'https://images.example.com/a.jpg', alt: '카페 내부' } };
    api.script((request) => {
      expect(request.tools![0].input_schema).toMatchObject({ type: 'object' });
      return { kind: 'tool_use', input: { ...section, id: 'changed', heading: '우리 이야기', body: '더 친근한 소개 글입니다.', image: { url: 'https://evil.example/x.jpg', alt: '창가 자리' } } };
    });
    const result = await rewriteSectionText(client, { section, instruction: '더 친근하게' });
    expect(result.section).toMatchObject({ id: about.id, type: 'about', heading: '우리 이야기', body: '더 친근한 소개 글입니다.' });
    expect((result.section as SectionOf<'about'>).image).toEqual({ url: 'https://images.example.com/a.jpg', alt: '창가 자리' });
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('rejects a rewrite that breaks the section schema twice', async () => {
    const tooLong = 'ㄱ'.repeat(3000);
    api.script({ kind: 'tool_use', input: { ...about, body: tooLong } }, { kind: 'tool_use', input: { ...about, body: tooLong } });
    await expect(rewriteSectionText(client, { section: about, instruction: '길게' })).rejects.toMatchObject({ reason: 'invalid-output' });
  });
});

describe('the Messages API contract server', () => {
  it('refuses requests without anthropic-version, without max_tokens, or with a broken tool schema', async () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${api.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const base = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    expect((await post({ 'x-api-key': api.apiKey }, base)).status).toBe(400);
    expect((await post({ 'x-api-key': api.apiKey, 'anthropic-version': '2023-06-01' }, { ...base, max_tokens: undefined })).status).toBe(400);
    const badTool = await post({ 'x-api-key': api.apiKey, 'anthropic-version': '2023-06-01' }, { ...base, tools: [{ name: 'x y', input_schema: { type: 'array' } }] });
    expect(badTool.status).toBe(400);
    expect(await badTool.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((await post({ 'anthropic-version': '2023-06-01' }, base)).status).toBe(401);
    expect(api.requests).toHaveLength(0);
  });
});
