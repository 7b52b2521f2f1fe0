// devmode.start_ms: the owner's click on "코드 편집기 열기" until the workbench shows the site's
// files in Chromium (through the web app's proxy), median of 5 opens, each a fresh container;
// devmode.session_mb: memory of one session's container with one editor open (index.html).
// Needs a Docker engine and the image (devmode/install-code-server.sh, devmode/build-image.sh).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { percentile, type Figures } from '../bench/figures.ts';
import { connect } from '../db/index.ts';
import { launchChromium, screenshotPath } from '../e2e/browser.ts';
import { startPlatform } from '../e2e/platform.ts';
import { sessionMemoryBytes } from './container.ts';

const OPENS = 5;
const WORKBENCH_READY = '.monaco-workbench .explorer-folders-view .monaco-list-row';

export async function benchDevmode(): Promise<Figures> {
  const platform = await startPlatform('bench-devmode');
  const docker = new Docker();
  const browser = await launchChromium();
  try {
    const dbUrl = (JSON.parse(readFileSync(path.join(platform.dataDir, 'postgres.json'), 'utf8')) as { url: string }).url;
    const sql = connect(dbUrl, { max: 2 });
    const context = await browser.newContext({ viewport: { width: 1400, height: 850 }, locale: 'ko-KR' });
    const page = await context.newPage();
    await page.goto(`${platform.webUrl}/signup`);
    await page.fill('input[name=email]', `bench-devmode-${Date.now()}@example.com`);
    await page.fill('input[name=password]', 'bench-password-1234');
    await page.fill('input[name=displayName]', '벤치');
    await page.fill('input[name=workspaceName]', '벤치 코드 카페');
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/signup')), page.click('button[type=submit]')]);
    // Developer mode is a premium feature: grant it the way an admin would.
    await sql`update tenants set plan_code = 'premium'`;
    const slug = `bench-dev-${Date.now().toString(36)}`;
    const created = await page.request.post(`${platform.webUrl}/sites/new`, {
      form: { name: '벤치 코드 카페', slug, template: 'cafe' }, headers: { Origin: platform.webUrl }, maxRedirects: 0,
    });
    const siteId = /\/sites\/([0-9a-f-]{36})/.exec(created.headers().location ?? '')?.[1];
    if (!siteId) throw new Error(`site creation answered ${created.status()} without a site address`);
    await page.goto(`${platform.webUrl}/sites/${siteId}/code`);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button:has-text("개발자 모드 켜기")')]);
    await page.waitForSelector('button:has-text("코드 편집기 열기")');

    const durations: number[] = [];
    let sessionBytes = 0;
    try {
      for (let i = 0; i < OPENS; i++) {
        await page.goto(`${platform.webUrl}/sites/${siteId}/code`);
        const started = performance.now();
        await page.click('button:has-text("코드 편집기 열기")');
        await page.waitForSelector(WORKBENCH_READY, { timeout: 90_000 }).catch(async (error: Error) => {
          const shot = screenshotPath('devmode', 'bench-failure');
          await page.screenshot({ path: shot });
          const alert = await page.locator('.alert').first().textContent({ timeout: 1000 }).catch(() => null);
          throw new Error(`open ${i + 1}: the workbench did not appear at ${page.url()}${alert ? `: ${alert}` : ''} (screenshot ${shot})`, { cause: error });
        });
        durations.push(performance.now() - started);
        if (i === OPENS - 1) {
          await page.getByText('index.html', { exact: true }).first().click();
          await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30_000 });
          await page.waitForTimeout(5000);
          const [session] = await sql<{ container_id: string }[]>`select container_id from devmode_sessions where status = 'running'`;
          sessionBytes = (await sessionMemoryBytes(docker, session.container_id)) ?? 0;
        }
        await page.goto(`${platform.webUrl}/sites/${siteId}/code`);
        await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button:has-text("편집기 닫기")')]);
        await page.waitForSelector('button:has-text("코드 편집기 열기")');
      }
    } finally {
      // A failed run leaves no editor container behind (the platform's web process does not stop them on exit).
      const left = await sql<{ container_id: string | null }[]>`select container_id from devmode_sessions where status in ('starting', 'running', 'stopping')`;
      for (const row of left) if (row.container_id) await docker.getContainer(row.container_id).remove({ force: true }).catch(() => {});
    }
    await sql.end({ timeout: 5 });
    console.log(`[bench] devmode.start_ms runs: ${durations.map((d) => Math.round(d)).join(', ')} ms (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`);
    if (!sessionBytes) throw new Error('could not read the session container’s memory (docker stats)');
    return {
      'devmode.start_ms': { value: percentile(durations, 50), unit: 'ms', goal: '< 5000 ms (click to workbench ready, median of 5)' },
      'devmode.session_mb': { value: sessionBytes / 2 ** 20, unit: 'MB', goal: '< 500 MB (one session, one editor open)' },
    };
  } finally {
    await browser.close();
    await platform.stop();
  }
}
