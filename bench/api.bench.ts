// api.overhead_ms_p50: what the public API's pipeline (Bearer key → authenticated, rate-limited
// and metered: from memory + a journal line for a key confirmed within the last second, see
// web/app/api/metering.server.ts → zod validation → JSON answer) adds to a small read.
// Same process, same database, same run: GET /api/v1/sites/{id} through the real router, and
// the same operation's handler mounted bare (no key, no rate limit, no metering), alternated
// request by request over keep-alive HTTP on 127.0.0.1. api.overhead_statement_ms_p50 is the
// same call through a router that runs the one SQL statement per call (the design before 112).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { env } from '../config/index.ts';
import { connect, migrate, startEmbeddedDatabase, type Sql } from '../db/index.ts';
import { createApiKey } from '../web/app/api/keys.server.ts';
import { ApiMeter } from '../web/app/api/metering.server.ts';
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
  // A database server of its own unless DATABASE_URL names one (as the other benches).
  const work = await mkdtemp(path.join(os.tmpdir(), 'ww-bench-api-db-'));
  const embedded = env().DATABASE_URL ? null : await startEmbeddedDatabase(work);
  const serverUrl = env().DATABASE_URL ?? embedded!.url;
  const name = `ww_bench_api_${randomBytes(4).toString('hex')}`;
  const admin = connect(serverUrl, { max: 1 });
  await admin.unsafe(`create database ${name}`);
  const sql: Sql = connect(withDatabase(serverUrl, name), { max: 10 });
  let server: Server | null = null;
  let meter: ApiMeter | null = null;
  const journalDir = await mkdtemp(path.join(os.tmpdir(), 'ww-bench-api-'));
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
    meter = ApiMeter.open({ sql, dir: journalDir });
    await meter.ready;
    app.use('/api/v1', createPublicApiRouter({ sql, meter, boss: () => Promise.reject(new Error('the bench does not publish')) }));
    app.use('/statement/api/v1', createPublicApiRouter({ sql, boss: () => Promise.reject(new Error('the bench does not publish')) }));
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
    const statement = { url: `${base}/statement/api/v1/sites/${site.site.id}`, headers: { Authorization: `Bearer ${key.secret}` } };

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
      await time(statement);
    }
    const meteredMs: number[] = [];
    const bareMs: number[] = [];
    const statementMs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      meteredMs.push(await time(metered));
      bareMs.push(await time(bare));
      statementMs.push(await time(statement));
    }
    // Exactly once: every metered call of both routers is one api_calls row once the journal is written.
    await meter.flush();
    const [calls] = await sql<{ n: string }[]>`select count(*) as n from api_calls`;
    if (Number(calls.n) !== 2 * (WARMUP + SAMPLES)) throw new Error(`metering counted ${calls.n} calls, expected ${2 * (WARMUP + SAMPLES)}`);
    const meteredP50 = percentile(meteredMs, 50);
    const bareP50 = percentile(bareMs, 50);
    const statementP50 = percentile(statementMs, 50);
    return {
      'api.overhead_ms_p50': {
        value: meteredP50 - bareP50,
        unit: 'ms',
        baseline: { name: 'bare handler p50', value: bareP50, unit: 'ms' },
        goal: '< 2 ms',
      },
      'api.metered_get_ms_p50': { value: meteredP50, unit: 'ms' },
      'api.overhead_statement_ms_p50': {
        value: statementP50 - bareP50,
        unit: 'ms',
        baseline: { name: 'bare handler p50', value: bareP50, unit: 'ms' },
      },
    };
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await meter?.stop();
    await rm(journalDir, { recursive: true, force: true });
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    await embedded?.stop();
    await rm(work, { recursive: true, force: true });
  }
}
