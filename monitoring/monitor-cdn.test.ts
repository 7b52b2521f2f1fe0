import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, runFailoverRound, seoulDate, syncHostedUsage, type CdnProvider, type ProviderName } from '../cdn/index.ts';
import { startVercelContract, type VercelContract } from '../cdn/contracts/vercel.ts';
import { createRemoteProvider } from '../cdn/providers/remote.ts';
import { createVercelBackend, vercelProjectName } from '../cdn/providers/vercel.ts';
import { insertSite, insertTenant, siteFiles } from '../cdn/test-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startMonitor } from './monitor.ts';

let db: TestDatabase;
let dataDir: string;
let vercel: VercelContract;
beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-monitor-cdn-'));
  vercel = await startVercelContract();
});
afterAll(async () => {
  await vercel?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the monitor and the CDNs', () => {
  it('checks the providers every minute and syncs hosted usage every hour before the cost roll-up', async () => {
    const providers = new Map<ProviderName, CdnProvider>([
      ['local', createLocalProvider({ sql: db.sql, dataDir })],
      ['vercel', createRemoteProvider(db.sql, createVercelBackend({ token: vercel.token, teamId: vercel.teamId, baseUrl: vercel.url }))],
    ]);
    const tenantId = await insertTenant(db.sql, '모니터 버셀 카페');
    const siteId = await insertSite(db.sql, tenantId, 'monitor-vercel');
    const deployed = await providers.get('vercel')!.deploy({ tenantId, siteId, buildId: null, files: siteFiles('monitor', 2) });
    await providers.get('vercel')!.activate({ tenantId, siteId, deploymentId: deployed.deploymentId });
    vercel.usage.record(vercelProjectName(siteId), new Date(), { hits: 90, misses: 10 }, 2_000_000);

    const errors: string[] = [];
    const monitor = await startMonitor(db.sql, {
      dataDir, intervalSeconds: 3600, log: { info: () => {}, error: (m) => errors.push(m) },
      cdnFailover: () => runFailoverRound(db.sql, { providers, dataDir }),
      cdnUsageSync: () => syncHostedUsage(db.sql, { providers, days: [seoulDate(new Date(), -1), seoulDate()] }),
    });
    try {
      const minute = await monitor.runMinute();
      expect(minute.find((o) => o.name === 'cdn-failover')).toMatchObject({ ok: true });
      const health = await db.sql`select provider, state from cdn_provider_health order by provider`;
      expect(health).toEqual([{ provider: 'local', state: 'up' }, { provider: 'vercel', state: 'up' }]);

      const hourly = await monitor.runHourly();
      const names = hourly.outcomes.map((o) => o.name);
      expect(hourly.outcomes.find((o) => o.name === 'cdn-usage-sync')).toMatchObject({ ok: true });
      expect(names.indexOf('cdn-usage-sync')).toBeLessThan(names.findIndex((n) => n.startsWith('cost-roll-up')));
      // Today's Vercel traffic is in the table billing and the cost roll-up read.
      // (The usage API's days are UTC dates; today's traffic is filed under today or yesterday.)
      const [usage] = await db.sql<{ requests: number; bytes: number }[]>`
        select sum(requests)::int as requests, sum(bytes)::int as bytes from cdn_usage_daily where site_id = ${siteId} and provider = 'vercel'`;
      expect(usage).toEqual({ requests: 100, bytes: 2_000_000 });
      // …and the roll-up that ran after the sync priced it as the site's Vercel CDN cost.
      const costs = await db.sql<{ item: string }[]>`select item from cost_daily where site_id = ${siteId} and source = 'cdn'`;
      expect(costs.length).toBeGreaterThan(0);
      expect(costs.every((c) => c.item.includes('vercel'))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await monitor.stop();
    }
  });
});
