// The accounts pages in a real browser (Debian's Chromium through playwright-core): the forms
// work with the hydrated app (Remix fetch submissions carry the Origin the server checks), no
// console errors, and screenshots of each page land in .data/screenshots/web/ (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWeb, TEST_PASSWORD, type TestWeb } from './server/testing.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const screenshots = path.resolve('.data/screenshots/web');

let web: TestWeb;
let browser: Browser;

function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    // A form answered with its validation errors (400) is expected; anything else is not.
    if (message.type() === 'error' && !/status of 400 \(Bad Request\)/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

async function shoot(page: Page, name: string) {
  // The stylesheet is loaded (the page background is the app's, not the browser's white).
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 248, 251)');
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

describe.skipIf(!existsSync(CHROMIUM))('accounts in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    web = await startTestWeb();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('shows the landing page to a visitor', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchConsole(page);
    await page.goto(`${web.baseUrl}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('클릭 몇 번');
    expect(await page.getByText('30,000원').count()).toBe(1);
    expect(await page.getByText('50,000원').count()).toBe(1);
    expect(await page.getByText('100,000원').count()).toBe(1);
    await shoot(page, '01-landing');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('signs up with inline errors first, then lands on the sites page with the workspace in the header', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const problems = watchConsole(page);
    await page.goto(`${web.baseUrl}/signup`);
    await shoot(page, '02-signup');

    await page.getByLabel('이메일', { exact: true }).fill('ceo@baram.kr');
    await page.getByLabel('비밀번호').fill('short');
    await page.getByLabel('이름', { exact: true }).fill('김바람');
    await page.getByLabel('워크스페이스 이름').fill('바람카페');
    await page.getByRole('button', { name: '무료로 시작하기' }).click();
    await page.getByText('비밀번호는 10자 이상이어야 합니다.').waitFor();
    expect(await page.getByLabel('이메일', { exact: true }).inputValue()).toBe('ceo@baram.kr'); // kept after the error
    expect(await page.getByLabel('워크스페이스 이름').inputValue()).toBe('바람카페');
    await shoot(page, '03-signup-error');

    await page.getByLabel('비밀번호').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '무료로 시작하기' }).click();
    await page.waitForURL(`${web.baseUrl}/sites`);
    await page.locator('.app-header').getByText('바람카페').waitFor();
    await page.waitForLoadState('networkidle');
    await shoot(page, '04-sites-empty');

    await page.goto(`${web.baseUrl}/workspace/members`);
    await page.getByLabel('이메일', { exact: true }).fill('barista@baram.kr');
    await page.getByRole('button', { name: '초대 링크 만들기' }).click();
    const link = page.getByLabel('초대 링크');
    await link.waitFor();
    expect(await link.inputValue()).toMatch(new RegExp(`^${web.baseUrl}/invite/[A-Za-z0-9_-]{40,}$`));
    await page.reload(); // the pending invitation is listed after a reload, the link is not
    await page.getByText('barista@baram.kr').waitFor();
    await page.getByLabel('이메일', { exact: true }).fill('manager@baram.kr');
    await page.getByLabel('권한').last().selectOption('owner');
    await page.getByRole('button', { name: '초대 링크 만들기' }).click();
    const managerLink = await page.getByLabel('초대 링크').inputValue();
    await page.getByText('manager@baram.kr', { exact: true }).last().waitFor();
    await page.waitForLoadState('networkidle');
    await shoot(page, '05-members');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, '05-members-phone');
    expect(problems).toEqual([]);
    await page.close();

    // The invited manager opens the link in their own browser, signs up and joins as owner.
    const invitee = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const tab = await invitee.newPage();
    const inviteeProblems = watchConsole(tab);
    await tab.goto(managerLink);
    await tab.getByRole('heading', { name: '바람카페' }).waitFor();
    await shoot(tab, '07-invite');
    await tab.getByRole('link', { name: '가입하고 합류하기' }).click();
    await tab.getByLabel('이메일', { exact: true }).waitFor();
    expect(await tab.getByLabel('이메일', { exact: true }).inputValue()).toBe('manager@baram.kr');
    await tab.getByLabel('비밀번호').fill(TEST_PASSWORD);
    await tab.getByLabel('이름', { exact: true }).fill('최매니저');
    await tab.getByRole('button', { name: '가입하고 합류하기' }).click();
    await tab.waitForURL(`${web.baseUrl}/sites`);
    await tab.locator('.app-header').getByText('바람카페').waitFor();
    expect(inviteeProblems).toEqual([]);
    await invitee.close();
  });

  it('shows /admin to a platform admin', async () => {
    await web.db.sql`insert into platform_roles (user_id, role) select id, 'admin' from users where email = 'ceo@baram.kr'`;
    await web.signUp({ email: 'owner@haetsal.kr', displayName: '박햇살', workspaceName: '햇살미용실' });
    await web.tab().post('/login', { email: 'owner@haetsal.kr', password: 'wrong-password-1' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('이메일', { exact: true }).fill('ceo@baram.kr');
    await page.getByLabel('비밀번호').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '로그인' }).click();
    await page.waitForURL(`${web.baseUrl}/sites`);
    await page.getByRole('link', { name: '관리자' }).click();
    await page.waitForURL(`${web.baseUrl}/admin`);
    await page.getByRole('heading', { name: '플랫폼 관리' }).waitFor();
    expect(await page.getByRole('cell', { name: '햇살미용실' }).count()).toBe(1);
    await shoot(page, '06-admin');
    expect(problems).toEqual([]);
    await context.close();
  });
});
