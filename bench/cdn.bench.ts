// cdn.changed_upload_ratio: bytes uploaded for a one-page change ÷ bytes of a full deploy of a
// 50-page site (content addressing should make it about 1/50 of the HTML, less with images);
// cdn.deploy_ms.<provider>: deploy + activate of the same site from nothing, against each
// hosted provider's contract server (local: the object store on disk), median of 3.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '../config/index.ts';
import { connect, migrate, startEmbeddedDatabase, type Sql } from '../db/index.ts';
import { startAwsContract } from '../cdn/contracts/aws.ts';
import { startCloudflareContract } from '../cdn/contracts/cloudflare.ts';
import { startVercelContract } from '../cdn/contracts/vercel.ts';
import { createCloudflareBackend } from '../cdn/providers/cloudflare.ts';
import { createCloudFrontBackend } from '../cdn/providers/cloudfront.ts';
import { createLocalProvider } from '../cdn/providers/local.ts';
import { createRemoteProvider } from '../cdn/providers/remote.ts';
import type { CdnProvider } from '../cdn/providers/types.ts';
import { createVercelBackend } from '../cdn/providers/vercel.ts';
import { insertSite, insertTenant, page, siteFiles } from '../cdn/test-fixtures.ts';
import { percentile, type Figures } from './figures.ts';

const RUNS = 3;
/** index + 404 + 48 pages = a 50-page site (plus a stylesheet and two images). */
const PAGES = 48;

async function measureDeploys(sql: Sql, tenantId: string, provider: CdnProvider): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const siteId = await insertSite(sql, tenantId, `bench-${provider.name}-${run}-${Date.now() % 100000}`);
    // A marker per run: every body is new, so each deploy uploads the whole site.
    const files = siteFiles(`${provider.name}-${run}-${Date.now()}`, PAGES);
    const started = performance.now();
    const result = await provider.deploy({ tenantId, siteId, buildId: null, files });
    await provider.activate({ tenantId, siteId, deploymentId: result.deploymentId });
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

export async function benchCdn(): Promise<Figures> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ww-bench-cdn-'));
  const embedded = env().DATABASE_URL ? null : await startEmbeddedDatabase(path.join(work, 'db'));
  const adminUrl = env().DATABASE_URL ?? embedded!.url;
  const dbName = `ww_bench_cdn_${process.pid}`;
  const admin = connect(adminUrl, { max: 1 });
  await admin.unsafe(`drop database if exists ${dbName}`);
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const sql = connect(url.toString(), { max: 4 });
  const contracts = await Promise.all([startCloudflareContract(), startVercelContract(), startAwsContract()]);
  const [cloudflare, vercel, aws] = contracts;
  try {
    await migrate(sql);
    const tenantId = await insertTenant(sql, '벤치 카페');
    const providers: CdnProvider[] = [
      createLocalProvider({ sql, dataDir: path.join(work, 'data') }),
      createRemoteProvider(sql, createCloudflareBackend({ apiToken: cloudflare.apiToken, accountId: cloudflare.accountId, baseUrl: cloudflare.url })),
      createRemoteProvider(sql, createVercelBackend({ token: vercel.token, teamId: vercel.teamId, baseUrl: vercel.url })),
      createRemoteProvider(sql, createCloudFrontBackend({
        accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, region: aws.region, bucket: aws.bucket,
        distributionId: aws.distributionId, siteBaseDomain: 'sites.bench.test', endpoint: aws.url,
      })),
    ];
    const figures: Figures = {};

    // The one-page change, measured on every provider: the ratio must be the same everywhere.
    const ratios: number[] = [];
    for (const provider of providers) {
      const siteId = await insertSite(sql, tenantId, `bench-change-${provider.name}`);
      const files = siteFiles('base', PAGES);
      const full = await provider.deploy({ tenantId, siteId, buildId: null, files });
      const changed = files.map((f) => (f.path === '/page-7/index.html' ? { ...f, body: page('changed', '페이지 7 새 소식') } : f));
      const redeploy = await provider.deploy({ tenantId, siteId, buildId: null, files: changed });
      ratios.push(redeploy.uploadedBytes / full.uploadedBytes);
    }
    if (ratios.some((r) => Math.abs(r - ratios[0]) > 1e-9)) throw new Error(`providers disagree on the changed-upload ratio: ${ratios.join(', ')}`);
    figures['cdn.changed_upload_ratio'] = { value: ratios[0], unit: 'ratio', goal: 'about one page of 50: only the changed page is uploaded' };

    for (const provider of providers) {
      figures[`cdn.deploy_ms.${provider.name}`] = {
        value: await measureDeploys(sql, tenantId, provider),
        unit: 'ms',
        goal: `${PAGES + 5} files deployed and live, median of ${RUNS}${provider.name === 'local' ? '' : ', against the contract server'}`,
      };
    }
    return figures;
  } finally {
    await Promise.all(contracts.map((c) => c.close()));
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await embedded?.stop();
    await rm(work, { recursive: true, force: true });
  }
}
