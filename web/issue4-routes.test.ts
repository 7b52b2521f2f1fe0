// The AI draft, contact submissions and export pages over real HTTP against the built Remix app
// (npm run build): with AI configured (against the Messages API contract server) the draft becomes
// a site, and another workspace gets 404 for every id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../config/env.ts';
import { startMessagesContractServer, type MessagesContractServer } from '../site/ai/contract/messages-server.ts';
import { createSiteDocument } from '../site/index.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from './server/testing.ts';

let web: TestWeb;
let api: MessagesContractServer;
let owner: BrowserTab;
let stranger: BrowserTab;
const saved = { key: process.env.ANTHROPIC_API_KEY, base: process.env.ANTHROPIC_BASE_URL };

beforeAll(async () => {
  // Set before the server starts: the built server reads the environment once.
  api = await startMessagesContractServer();
  process.env.ANTHROPIC_API_KEY = api.apiKey;
  process.env.ANTHROPIC_BASE_URL = api.url;
  resetEnvForTests();
  web = await startTestWeb();
  owner = await web.signUp({ email: 'ai-owner@example.com', workspaceName: '빵집' });
  stranger = await web.signUp({ email: 'ai-stranger@example.com', workspaceName: '남의 가게' });
});
afterAll(async () => {
  await api?.close();
  await web?.stop();
  if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY;
  else process.env.ANTHROPIC_API_KEY = saved.key;
  if (saved.base === undefined) delete process.env.ANTHROPIC_BASE_URL;
  else process.env.ANTHROPIC_BASE_URL = saved.base;
  resetEnvForTests();
});

const draftForm = { name: '연남 베이커리', slug: 'yeonnam-bread', description: '연남동의 작은 빵집입니다. 천연 발효종 식빵과 소금빵이 유명합니다.', language: 'ko' };

describe('AI로 초안 만들기', () => {
  it('creates the site from the draft when AI is configured, and records the tokens', async () => {
    api.script({ kind: 'tool_use', input: createSiteDocument('cafe', { siteName: '초안' }) });
    const posted = await owner.post('/sites/new/ai', draftForm);
    expect(posted.status).toBe(302);
    const siteId = /\/sites\/([0-9a-f-]{36})$/.exec(posted.location ?? '')![1];
    const [usage] = await web.db.sql<{ site_id: string; purpose: string }[]>`select site_id, purpose from llm_usage`;
    expect(usage).toEqual({ site_id: siteId, purpose: 'draft' });
    expect((await stranger.get(`/sites/${siteId}/submissions`)).status).toBe(404);
    expect((await owner.get(`/sites/${siteId}/submissions`)).body).toContain('아직 받은 문의가 없습니다');
    expect((await stranger.get(`/sites/${siteId}/export/document`)).status).toBe(404);
    const exported = await owner.get(`/sites/${siteId}/export/document`);
    expect(exported.status).toBe(200);
    expect(JSON.parse(exported.body)).toMatchObject({ format: 'windwalker-site', document: { name: '연남 베이커리' } });
    expect((await owner.get(`/sites/${siteId}/export/site`)).status).toBe(409);
    const rewrite = await stranger.request(`/sites/${siteId}/ai-rewrite`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    expect([400, 404]).toContain(rewrite.status);
  });
});
