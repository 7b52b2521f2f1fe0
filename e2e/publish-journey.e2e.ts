// The owner's first journey on a fresh platform: sign up → create a site from a template →
// change the headline → publish → watch the build → the edge serves the new headline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshotPath } from './browser.ts';
import { startPlatform, type RunningPlatform } from './platform.ts';

let platform: RunningPlatform;
let browser: Browser;

beforeAll(async () => {
  platform = await startPlatform('journey');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (platform) expect(await platform.stop()).toBe(0);
});

describe('an owner’s first site', () => {
  it('signs up, edits the headline, publishes and sees it live on the edge', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'ko-KR' });
    const page = await context.newPage();
    const slug = `journey-${Date.now().toString(36)}`;
    const headline = `새 봄 메뉴가 나왔어요 ${slug}`;

    await page.goto(`${platform.webUrl}/signup`);
    await page.getByLabel('이메일').fill(`${slug}@example.com`);
    await page.getByLabel('비밀번호', { exact: true }).fill('correct horse battery');
    await page.getByLabel('이름', { exact: true }).fill('김사장');
    await page.getByLabel('워크스페이스 이름').fill('모모 카페');
    await page.getByRole('button', { name: '무료로 시작하기' }).click();
    await page.waitForURL(/\/sites/);

    await page.goto(`${platform.webUrl}/sites/new`);
    await page.locator('input[name="template"][value="cafe"]').check({ force: true });
    await page.getByLabel('사이트 이름').fill('카페 모모');
    await page.getByLabel('사이트 주소').fill(slug);
    await page.getByRole('button', { name: '사이트 만들고 편집 시작하기' }).click();
    await page.waitForURL(/\/sites\/[0-9a-f-]{36}$/);

    const headlineField = page.getByLabel('제목', { exact: true }).first();
    await headlineField.fill(headline);
    await expect.poll(() => page.getByText(/저장됨/).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await page.frameLocator('iframe').first().locator('body').innerText()).includes(headline), { timeout: 10_000 })
      .toBe(true);
    await page.screenshot({ path: screenshotPath('journey', 'builder'), fullPage: false });

    await page.getByRole('button', { name: '게시하기' }).click();
    await page.waitForURL(/\/builds\/[0-9a-f-]{36}/);
    await expect.poll(() => page.getByRole('heading', { name: '게시 완료' }).count(), { timeout: 90_000 }).toBe(1);
    // The bar says 100 % and has finished growing to it (a 0.4 s transition) before the picture.
    const bar = page.getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    await expect
      .poll(() => bar.evaluate((el) => Math.round((el.firstElementChild as HTMLElement).getBoundingClientRect().width - el.getBoundingClientRect().width)))
      .toBe(0);
    await page.screenshot({ path: screenshotPath('journey', 'build'), fullPage: true });

    const live = await platform.fetchSite(slug);
    expect(live.status).toBe(200);
    expect(live.body).toContain(headline);

    const visitor = await context.newPage();
    await visitor.goto(platform.siteUrl(slug));
    await expect.poll(() => visitor.getByText(headline).count()).toBeGreaterThan(0);
    await visitor.screenshot({ path: screenshotPath('journey', 'live-site'), fullPage: true });
    await context.close();
  });
});
