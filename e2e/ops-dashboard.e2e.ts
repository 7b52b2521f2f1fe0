// Finance and ops open /ops in Chromium over seeded usage: the charts draw the seeded numbers,
// the page hydrates without console errors, and screenshots of every view are kept.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { connect, type Sql } from '../db/index.ts';
import { daysInMonth, rollUpDailyCosts, seoulDay } from '../monitoring/index.ts';
import { addCdnUsage, addFinishedBuild, addHost, createTenantWithSite } from '../monitoring/testing.ts';
import { launchChromium, screenshotPath } from './browser.ts';
import { startPlatform, type RunningPlatform } from './platform.ts';

let platform: RunningPlatform;
let browser: Browser;
let sql: Sql;

beforeAll(async () => {
  platform = await startPlatform('ops');
  const { url } = JSON.parse(readFileSync(path.join(platform.dataDir, 'postgres.json'), 'utf8')) as { url: string };
  sql = connect(url, { max: 2 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await sql?.end({ timeout: 5 });
  if (platform) expect(await platform.stop()).toBe(0);
});

/** The Seoul day the figures are seeded and rolled up for (a run may cross midnight KST after it). */
let seededDay: string;

async function seed() {
  const today = seoulDay();
  seededDay = today;
  await addHost(sql, 'pve-seoul-1', 16, 1_200_000);
  await addHost(sql, 'pve-seoul-2', 16, 900_000);
  const cafe = await createTenantWithSite(sql, { tenant: '바람카페', site: '바람카페 본점', slug: 'e2e-ops-cafe', plan: { code: 'premium', status: 'active' } });
  const clinic = await createTenantWithSite(sql, { tenant: '온누리치과', site: '온누리치과', slug: 'e2e-ops-clinic', plan: { code: 'enterprise', status: 'active' } });
  const shop = await createTenantWithSite(sql, { tenant: '꽃집 하루', site: '하루 꽃집', slug: 'e2e-ops-shop', plan: { code: 'basic', status: 'active' } });
  await addCdnUsage(sql, cafe, today, 'cloudflare', 2_500, 3e8);
  await addCdnUsage(sql, clinic, today, 'vercel', 20_000, 2e9);
  await addCdnUsage(sql, shop, today, 'cloudfront', 150_000, 8e9);
  await addFinishedBuild(sql, cafe, new Date(Date.now() - 3_600_000).toISOString(), 12);
  await sql`insert into llm_usage (tenant_id, site_id, model, input_tokens, output_tokens) values (${cafe.tenantId}, ${cafe.siteId}, 'claude-sonnet-4-5', 200000, 40000)`;
  for (const [vus, p95, passed] of [[50, 120, true], [100, 210, true], [250, 430, true], [500, 760, false]] as const) {
    await sql`
      insert into loadtest_runs (scenario, target_vus, model, target_url, started_at, finished_at, duration_seconds, requests, p50_ms, p95_ms, p99_ms, rps, error_rate, thresholds_passed, summary)
      values ('mixed', ${vus}, 'closed', 'http://127.0.0.1', now() - interval '2 hours' + ${vus} * interval '1 second', now() - interval '1 hour', 60, ${vus * 100}, ${p95 / 2}, ${p95}, ${p95 * 1.3}, ${vus * 2}, ${passed ? 0.001 : 0.04}, ${passed}, '{}')`;
  }
  await rollUpDailyCosts(sql, today);
}

describe('the ops dashboard', () => {
  it('shows finance and ops the seeded revenue, costs, capacity and load tests', async () => {
    await seed();
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));

    await page.goto(`${platform.webUrl}/signup`);
    await page.getByLabel('이메일').fill('cfo@windwalker.kr');
    await page.getByLabel('비밀번호', { exact: true }).fill('correct horse battery');
    await page.getByLabel('이름', { exact: true }).fill('재무 담당');
    await page.getByLabel('워크스페이스 이름').fill('윈드워커 본사');
    await page.getByRole('button', { name: '무료로 시작하기' }).click();
    await page.waitForURL(/\/sites/);
    await sql`insert into platform_roles (user_id, role) select id, 'admin' from users where email = 'cfo@windwalker.kr'`;

    await page.goto(`${platform.webUrl}/sites`);
    await page.getByRole('link', { name: '운영' }).click();
    await page.waitForURL(/\/ops\/finance/);
    const mrr = page.locator('[data-chart="플랜별 MRR"]');
    await expect.poll(() => mrr.locator('svg text').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['50,000원', '100,000원', '30,000원']));
    await expect.poll(() => page.locator('[data-chart="사이트별 마진 (낮은 순)"] svg text').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^하루 꽃집\s+-[\d,]+원$/)]));
    await expect.poll(() => page.locator('[data-chart="CDN 제공자별 요청 비중"] svg text').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AWS CloudFront \d+%$/)]),
    );
    expect(await page.locator('.stat').first().innerText()).toContain('180,000원');

    // What the router saves on the seeded day, against every site on the self-hosted edge, each
    // provider's monthly price × 1 day ÷ days in the month. The price is that of a month of N such
    // days, so it depends on the month's length N (monitoring/cdn-savings.test.ts has the sums for
    // November, N = 30: 105,880 and 242,700; the fixed figures failed every day of a 31-day month):
    //   routed   = cloudflare 0 + vercel pro 28,000 + cloudfront (30,000 + 0.15·N × 1,680 + 8·N × 168) = 58,000 + 1,596·N
    //   baseline = local (50,000 + 0.3·N × 300) + (50,000 + 2·N × 300) + (50,000 + 8·N × 300)        = 150,000 + 3,090·N
    const monthDays = daysInMonth(seededDay);
    const routed = Math.round((58_000 + 1_596 * monthDays) / monthDays);
    const baseline = Math.round((150_000 + 3_090 * monthDays) / monthDays);
    const won = (n: number) => `${n.toLocaleString('ko-KR')}원`;
    const savingsPanel = page.getByRole('region', { name: 'CDN 라우터 절감액' });
    await expect.poll(() => savingsPanel.locator('.stat').first().innerText()).toContain(won(baseline - routed));
    expect(await savingsPanel.innerText()).toContain('기준: 모든 사이트를 자체 엣지(자체 호스팅)로 서비스했을 때');
    await expect.poll(() => page.locator('[data-chart="CDN 라우터 절감액 (월별)"] svg text').allTextContents()).toEqual(
      expect.arrayContaining([won(routed), won(baseline)]),
    );
    const savingsCsv = await page.evaluate(async () => (await fetch(`/ops/export/cdn-savings${location.search}`)).text());
    expect(savingsCsv).toContain(`,${routed},${baseline},${baseline - routed}`);
    await savingsPanel.screenshot({ path: screenshotPath('ops', 'cdn-savings') });
    await page.screenshot({ path: screenshotPath('ops', 'finance'), fullPage: true });

    await page.getByRole('link', { name: '사업계획 시나리오' }).click();
    await page.waitForURL(/\/ops\/scenarios/);
    await expect.poll(() => page.locator('tr[data-users="500"]').first().innerText()).toContain('계획 10,560,000원');

    // Finance enters pve-seoul-2's cost in its parts: a refusal keeps what was typed, then 600,000 + 100,000 + 250,000.
    await page.getByLabel('pve-seoul-2 하드웨어 상각 월 비용(원)').fill('600,000');
    await page.getByLabel('pve-seoul-2 전력 월 비용(원)').fill('-100');
    await page.getByLabel('pve-seoul-2 운영 월 비용(원)').fill('250000');
    const errorsBefore = consoleErrors.length;
    await page.getByRole('row', { name: /pve-seoul-2/ }).getByRole('button', { name: '저장' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toBe("'전력' 월 비용은 0 이상의 정수(원)로 입력해 주세요.");
    // The refusal answers 400, which Chromium logs: the only console error this step may add.
    await expect.poll(() => consoleErrors.length).toBe(errorsBefore + 1);
    expect(consoleErrors.splice(errorsBefore)).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    expect(await page.getByLabel('pve-seoul-2 하드웨어 상각 월 비용(원)').inputValue()).toBe('600,000');
    await page.getByLabel('pve-seoul-2 전력 월 비용(원)').fill('100000');
    await page.getByRole('row', { name: /pve-seoul-2/ }).getByRole('button', { name: '저장' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('pve-seoul-2 월 비용을 950,000원으로 바꿨습니다');
    await expect.poll(() => page.getByRole('row', { name: /pve-seoul-2/ }).innerText()).toContain('950,000원');
    // The scenario tables' server cost is the live average: (1,200,000 + 950,000) ÷ 2.
    await expect.poll(() => page.locator('.stat').first().innerText()).toContain('1,075,000원');
    await page.getByRole('region', { name: '호스트 월 비용' }).screenshot({ path: screenshotPath('ops', 'host-costs') });
    await page.screenshot({ path: screenshotPath('ops', 'scenarios'), fullPage: true });

    await page.getByRole('link', { name: '용량' }).click();
    await page.waitForURL(/\/ops\/capacity/);
    await expect.poll(() => page.locator('table').first().innerText()).toContain('pve-seoul-1');
    await page.screenshot({ path: screenshotPath('ops', 'capacity'), fullPage: true });

    await page.getByRole('link', { name: '부하 테스트' }).click();
    await page.waitForURL(/\/ops\/loadtests/);
    await expect.poll(() => page.locator('[data-chart="부하 테스트 p95 응답 시간"] svg text').allTextContents(), { timeout: 15_000 }).toEqual(
      expect.arrayContaining(['760ms', '120ms']),
    );
    await page.screenshot({ path: screenshotPath('ops', 'loadtests'), fullPage: true });

    await page.getByRole('link', { name: /예산·알림/ }).click();
    await page.waitForURL(/\/ops\/budgets/);
    await page.getByLabel('이름').fill('플랫폼 월 비용');
    await page.getByLabel('기준값 (원 또는 %)').fill('1,000');
    await page.getByRole('button', { name: '예산 만들기' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain("'플랫폼 월 비용' 예산을 만들었습니다");
    await page.screenshot({ path: screenshotPath('ops', 'budgets'), fullPage: true });

    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
