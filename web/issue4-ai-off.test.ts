// The AI draft page over real HTTP against the built Remix app with ANTHROPIC_API_KEY unset (the
// built server reads the environment once per process, so the configured case is in issue4-routes.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../config/env.ts';
import { startTestWeb, type BrowserTab, type TestWeb } from './server/testing.ts';

let web: TestWeb;
let owner: BrowserTab;
const saved = { key: process.env.ANTHROPIC_API_KEY, base: process.env.ANTHROPIC_BASE_URL };

beforeAll(async () => {
  delete process.env.ANTHROPIC_API_KEY;
  resetEnvForTests();
  web = await startTestWeb();
  owner = await web.signUp({ email: 'ai-owner@example.com', workspaceName: '빵집' });
});
afterAll(async () => {
  await web?.stop();
  if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY;
  else process.env.ANTHROPIC_API_KEY = saved.key;
  if (saved.base === undefined) delete process.env.ANTHROPIC_BASE_URL;
  else process.env.ANTHROPIC_BASE_URL = saved.base;
  resetEnvForTests();
});

const draftForm = { name: '연남 베이커리', slug: 'yeonnam-bread', description: '연남동의 작은 빵집입니다. 천연 발효종 식빵과 소금빵이 유명합니다.', language: 'ko' };

describe('AI로 초안 만들기', () => {
  it('says AI is not configured when ANTHROPIC_API_KEY is unset, and creates nothing', async () => {
    const page = await owner.get('/sites/new/ai');
    expect(page.status).toBe(200);
    expect(page.body).toContain('AI 기능이 설정되지 않았습니다');
    const posted = await owner.post('/sites/new/ai', draftForm);
    expect(posted.status).toBe(503);
    const [{ n }] = await web.db.sql<{ n: number }[]>`select count(*)::int as n from sites`;
    expect(n).toBe(0);
  });

});
