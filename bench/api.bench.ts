// api.overhead_ms_p50: what the public API's pipeline (Bearer key → one statement that
// authenticates, rate-limits and meters → zod validation → JSON answer) adds to a small read.
// Same process, same database, same run: GET /api/v1/sites/{id} through the real router, and
// the same operation's handler mounted bare (no key, no rate limit, no metering), alternated
// request by request over keep-alive HTTP on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import { connect, migrate, resolveDatabaseUrl, type Sql } from '../db/index.ts';
import { createApiKey } from '../web/app/api/keys.server.ts';
import { createPublicApiRouter } from '../web/app/api/router.server.ts';
import { operations } from '../web/app/api/routes.server.ts';
import { createSite } from '../web/app/sites.server.ts';
import { percentile, type Figures } from './figures.ts';

const WARMUP = 200;
const SAMPLES = 1000;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function benchApi(): Promise<Figures> {
  const serverUrl = await resolveDatabaseUrl();
  const name = `ww_bench_api_${randomBytes(4).toString('hex')}`;
  const admin = connect(serverUrl, { max: 1 });
  await admin.unsafe(`create database ${name}`);
  const sql: Sql = connect(withDatabase(serverUrl, name), { max: 10 });
  let server: Server | null = null;
  try {
    await migrate(sql);
    const [tenant] = await sql<{ id: string }[]>`insert into tenants (name) values ('벤치 가게') returning id`;
    const key = await createApiKey(sql, { tenantId: tenant.id, userId: null, name: 'bench', scopes: ['read'] });
    if (!key.ok) throw new Error(`bench key: ${JSON.stringify(key.errors)}`);
    await sql`update api_keys set rate_limit_per_minute = 100000 where id = ${key.key.id}`;
    const site = await createSite(sql, { tenantId: tenant.id, userId: null, name: '벤치 카페', slug: `bench-${randomBytes(3).toString('hex')}`, templateId: 'cafe' });
    if (!site.ok) throw new Error(`bench site: ${JSON.stringify(site.errors)}`);

    const getSite = operations.find((o) => o.operationId === 'getSite');
    if (!getSite) throw new Error('no getSite operation');
    const app = express();
    app.use('/api/v1', createPublicApiRouter({ sql, boss: () => Promise.reject(new Error('the bench does not publish')) }));
    app.get('/bare/sites/:siteId', async (req, res) => {
      const result = await getSite.handle({
        sql, boss: () => Promise.reject(new Error('unused')), requestId: 'bench', params: { siteId: req.params.siteId }, query: {}, body: {}, res,
        key: { keyId: key.key.id, tenantId: tenant.id, tenantStatus: 'active', scopes: ['read'], createdBy: null, rate: { limit: 0, remaining: 0, resetSeconds: 0, allowed: true } },
      });
      if ('status' in result) res.status(result.status).json(result.body);
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const metered = { url: `${base}/api/v1/sites/${site.site.id}`, headers: { Authorization: `Bearer ${key.secret}` } };
    const bare = { url: `${base}/bare/sites/${site.site.id}`, headers: {} };

    const time = async (target: { url: string; headers: Record<string, string> }) => {
      const started = performance.now();
      const response = await fetch(target.url, { headers: target.headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${target.url} answered ${response.status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < WARMUP; i++) {
      await time(metered);
      await time(bare);
    }
    const meteredMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      meteredMs.push(await time(metered));
      bareMs.push(await time(bare));
    }
    const [calls] = await sql<{ n: string }[]>`select count(*) as n from api_calls`;
    if (Number(calls.n) !== WARMUP + SAMPLES) throw new Error(`metering counted ${calls.n} calls, expected ${WARMUP + SAMPLES}`);
    const meteredP50 = percentile(meteredMs, 50);
    const bareP50 = percentile(bareMs, 50);
    return {
      'api.overhead_ms_p50': {
        value: meteredP50 - bareP50,
        unit: 'ms',
        baseline: { name: 'bare handler p50', value: bareP50, unit: 'ms' },
        goal: '< 2 ms',
      },
      'api.metered_get_ms_p50': { value: meteredP50, unit: 'ms' },
    };
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
