import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { activateDeployment, createLocalProvider, deploySite, startEdge, type Edge } from './index.ts';
import { insertSite, insertTenant, page, pollUntil, request, siteFiles } from './test-fixtures.ts';

let db: TestDatabase;
let other: Sql; // a second connection, standing in for the worker or web process that publishes
let dataDir: string;
let edge: Edge;
let tenant: string;

async function publish(siteId: string, marker: string, pageCount = 3): Promise<string> {
  const { deploymentId } = await deploySite(other, { tenantId: tenant, siteId, buildId: null, files: siteFiles(marker, pageCount), dataDir });
  await activateDeployment(other, { tenantId: tenant, siteId, deploymentId });
  return deploymentId;
}

function markerOf(body: Buffer): string | undefined {
  return /data-deployment="([^"]+)"/.exec(body.toString())?.[1];
}

/** Polls the edge until the page shows `marker`: proves the switch reached it (no fixed sleeps). */
function servedMarker(host: string, marker: string, urlPath = '/') {
  return pollUntil(async () => {
    const res = await request(edge.port, host, urlPath);
    return res.status === 200 && markerOf(res.body) === marker ? res : undefined;
  }, `${host}${urlPath} to serve deployment ${marker}`);
}

beforeAll(async () => {
  db = await createTestDatabase();
  other = connect(db.url, { max: 2 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ww-edge-'));
  tenant = await insertTenant(db.sql, '카페 사장님');
  // Published before the edge starts: loaded at start-up.
  const early = await insertSite(db.sql, tenant, 'early-bird');
  await publish(early, 'early');
  // A long re-sync interval, so every switch below must arrive by NOTIFY.
  edge = await startEdge({ sql: db.sql, dataDir, host: '127.0.0.1', port: 0, baseDomain: 'localhost', resyncIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await edge?.close();
  await other?.end();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the edge serves live deployments by Host header', () => {
  it('serves a site that was live when it started, with precomputed headers', async () => {
    const res = await request(edge.port, 'early-bird.localhost:8080', '/');
    expect(res.status).toBe(200);
    expect(markerOf(res.body)).toBe('early');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['content-security-policy']).toContain("script-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('picks up an activation made on another connection through NOTIFY', async () => {
    const site = await insertSite(db.sql, tenant, 'notify-cafe');
    expect((await request(edge.port, 'notify-cafe.localhost', '/')).status).toBe(404);
    await publish(site, 'first');
    await servedMarker('notify-cafe.localhost', 'first');
    await publish(site, 'second');
    await servedMarker('notify-cafe.localhost', 'second');
  });

  it('maps /, /x and /x/ to index.html and serves assets as immutable', async () => {
    const home = await request(edge.port, 'early-bird.localhost', '/?utm_source=naver');
    expect(home.body.equals(page('early', '홈'))).toBe(true);
    for (const p of ['/page-2', '/page-2/', '/page-2/index.html']) {
      const res = await request(edge.port, 'early-bird.localhost', p);
      expect(res.status, p).toBe(200);
      expect(res.body.equals(page('early', '페이지 2')), p).toBe(true);
    }
    const logo = await request(edge.port, 'early-bird.localhost', '/assets/logo.png');
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await request(edge.port, 'early-bird.localhost', '/styles.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await request(edge.port, 'early-bird.localhost', '/page-1/');
    const again = await request(edge.port, 'early-bird.localhost', '/page-1/', { headers: { 'if-none-match': first.headers.etag! } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    const stale = await request(edge.port, 'early-bird.localhost', '/page-1/', { headers: { 'if-none-match': '"0000"' } });
    expect(stale.status).toBe(200);
  });

  it('sends gzip or brotli for text when the client accepts it, and identity otherwise', async () => {
    const plain = await request(edge.port, 'early-bird.localhost', '/');
    const gz = await request(edge.port, 'early-bird.localhost', '/', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gz.body.length).toBeLessThan(plain.body.length);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.headers.etag).not.toBe(plain.headers.etag);

    const br = await request(edge.port, 'early-bird.localhost', '/', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

    const refused = await request(edge.port, 'early-bird.localhost', '/', { headers: { 'accept-encoding': 'gzip;q=0, br;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const image = await request(edge.port, 'early-bird.localhost', '/assets/photo.jpg', { headers: { 'accept-encoding': 'gzip' } });
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.body.length).toBe(4096);
  });

  it('answers an unknown path with the site’s own 404 page and status 404', async () => {
    const res = await request(edge.port, 'early-bird.localhost', '/no/such/page');
    expect(res.status).toBe(404);
    expect(res.body.equals(page('early', '페이지 없음'))).toBe(true);
    expect(res.headers.etag).toBeUndefined();
    const escape = await request(edge.port, 'early-bird.localhost', '/%2e%2e/%2e%2e/etc/passwd');
    expect(escape.status).toBe(404);
  });

  it('answers with a Korean 404 page when the deployment has no 404.html', async () => {
    const site = await insertSite(db.sql, tenant, 'bare-cafe');
    const { deploymentId } = await deploySite(other, {
      tenantId: tenant, siteId: site, buildId: null, dataDir,
      files: [{ path: '/index.html', contentType: 'text/html', body: page('bare', '홈') }],
    });
    await activateDeployment(other, { tenantId: tenant, siteId: site, deploymentId });
    await servedMarker('bare-cafe.localhost', 'bare');
    const res = await request(edge.port, 'bare-cafe.localhost', '/menu');
    expect(res.status).toBe(404);
    expect(res.body.toString()).toContain('페이지를 찾을 수 없습니다');
  });

  it('answers an unknown host with a small Korean 404 page', async () => {
    for (const host of ['nobody-here.localhost', 'example.com', 'early-bird.localhost.evil.com', 'a.b.localhost']) {
      const res = await request(edge.port, host, '/');
      expect(res.status, host).toBe(404);
      expect(res.body.toString(), host).toContain('사이트를 찾을 수 없습니다');
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    }
  });

  it('supports HEAD and refuses other methods with 405', async () => {
    const get = await request(edge.port, 'early-bird.localhost', '/');
    const head = await request(edge.port, 'early-bird.localhost', '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers.etag).toBe(get.headers.etag);
    const post = await request(edge.port, 'early-bird.localhost', '/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('rolls back to the earlier deployment when it is activated again', async () => {
    const site = await insertSite(db.sql, tenant, 'rollback-cafe');
    const first = await publish(site, 'good');
    await servedMarker('rollback-cafe.localhost', 'good');
    await publish(site, 'broken');
    await servedMarker('rollback-cafe.localhost', 'broken');
    await activateDeployment(other, { tenantId: tenant, siteId: site, deploymentId: first });
    const res = await servedMarker('rollback-cafe.localhost', 'good', '/page-3/');
    expect(res.body.equals(page('good', '페이지 3'))).toBe(true);
  });

  it('never mixes two deployments: each response is whole, and once the new one is seen the old one never returns', async () => {
    const site = await insertSite(db.sql, tenant, 'swap-cafe');
    const oldId = await publish(site, 'old', 20);
    await servedMarker('swap-cafe.localhost', 'old');
    const newFiles = siteFiles('new', 20);
    const { deploymentId: newId } = await deploySite(other, { tenantId: tenant, siteId: site, buildId: null, files: newFiles, dataDir });
    const expected = new Map<string, Buffer>();
    for (const marker of ['old', 'new']) {
      expected.set(`${marker}:/`, page(marker, '홈'));
      expected.set(`${marker}:/page-7/`, page(marker, '페이지 7'));
    }

    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    let switched = false;
    let pairsAfterSwitch = 0;
    const violations: string[] = [];
    let oldPairs = 0;
    const client = async (n: number) => {
      let seenNew = false;
      while (pairsAfterSwitch < 400) {
        const pair = await Promise.all(['/', '/page-7/'].map((p) => request(edge.port, 'swap-cafe.localhost', p, { agent })));
        const markers = pair.map((res, i) => {
          const marker = markerOf(res.body) ?? 'none';
          const url = i === 0 ? '/' : '/page-7/';
          if (res.status !== 200 || !expected.get(`${marker}:${url}`)?.equals(res.body)) violations.push(`client ${n}: partial or foreign body for ${url}`);
          return marker;
        });
        if (seenNew && markers.includes('old')) violations.push(`client ${n}: old deployment served after the new one`);
        if (markers.every((m) => m === 'old')) oldPairs += 1;
        if (markers.every((m) => m === 'new')) seenNew = true;
        if (switched && seenNew) pairsAfterSwitch += 1;
      }
    };
    const clients = Array.from({ length: 8 }, (_, n) => client(n));
    await activateDeployment(other, { tenantId: tenant, siteId: site, deploymentId: newId });
    switched = true;
    await Promise.all(clients);
    agent.destroy();
    expect(violations).toEqual([]);
    // The swap happened while requests were in flight: the old deployment was served too.
    expect(oldPairs).toBeGreaterThan(0);
    expect(oldId).not.toBe(newId);
  });

  it('counts requests and bytes per site into the usage the provider reports', async () => {
    const usageEdge = await startEdge({
      sql: db.sql, dataDir, host: '127.0.0.1', port: 0, baseDomain: 'localhost', resyncIntervalMs: 3_600_000, usageFlushIntervalMs: 3_600_000,
    });
    const site = (await db.sql`select id from sites where slug = 'early-bird'`)[0].id as string;
    const provider = createLocalProvider({ sql: db.sql, dataDir });
    const seoulToday = async () => (await db.sql`select to_char((now() at time zone 'Asia/Seoul')::date, 'YYYY-MM-DD') as day`)[0].day as string;
    const today = await seoulToday();
    const before = (await provider.usage({ tenantId: tenant, siteId: site, from: today, to: today }))[0]?.requests ?? 0;
    let bytes = 0;
    for (let i = 0; i < 3; i++) bytes += (await request(usageEdge.port, 'early-bird.localhost', '/')).body.length;
    await usageEdge.close(); // flushes what it counted
    // Filed under the Seoul day of the flush: a run crossing midnight KST finds them under the next day.
    const flushedBy = await seoulToday();
    const usage = await provider.usage({ tenantId: tenant, siteId: site, from: today, to: flushedBy });
    const filed = usage.at(-1)!;
    expect([today, flushedBy]).toContain(filed.day);
    expect(usage.reduce((sum, u) => sum + u.requests, 0) - before).toBe(3);
    expect(filed.bytes).toBeGreaterThanOrEqual(bytes);
  });

  it('keeps objects shared between deployments once in memory and reports its size', async () => {
    const stats = edge.stats();
    expect(stats.sites).toBeGreaterThanOrEqual(4);
    expect(stats.bytesInMemory).toBeGreaterThan(0);
    // The images are the same bytes in every deployment of every site: one object each.
    const [{ distinct }] = await db.sql`
      select count(distinct e.value ->> 'sha256')::int as distinct
      from sites s join deployments d on d.id = s.live_deployment_id, jsonb_each(d.manifest) e`;
    expect(stats.objects).toBe(distinct);
  });
});

describe('the safety-net re-sync', () => {
  it('catches a switch and an unpublish that sent no notification', async () => {
    const site = await insertSite(db.sql, tenant, 'quiet-cafe');
    await publish(site, 'loud');
    await servedMarker('quiet-cafe.localhost', 'loud');
    const { deploymentId } = await deploySite(other, { tenantId: tenant, siteId: site, buildId: null, files: siteFiles('quiet', 3), dataDir });
    // Switched behind the edge's back: no NOTIFY, as if the edge had been disconnected.
    await db.sql`update sites set live_deployment_id = ${deploymentId} where id = ${site}`;
    expect(markerOf((await request(edge.port, 'quiet-cafe.localhost', '/')).body)).toBe('loud');
    await edge.resync();
    expect(markerOf((await request(edge.port, 'quiet-cafe.localhost', '/')).body)).toBe('quiet');

    await db.sql`update sites set live_deployment_id = null where id = ${site}`;
    await edge.resync();
    const gone = await request(edge.port, 'quiet-cafe.localhost', '/');
    expect(gone.status).toBe(404);
    expect(gone.body.toString()).toContain('사이트를 찾을 수 없습니다');
  });

  it('serves a site that went live a moment ago to its first visitor, before any notification or re-sync', async () => {
    const site = await insertSite(db.sql, tenant, 'just-opened');
    const { deploymentId } = await deploySite(other, { tenantId: tenant, siteId: site, buildId: null, files: siteFiles('opened', 2), dataDir });
    // Live in the database, no NOTIFY and no re-sync: the visitor right after "게시 완료".
    await db.sql`update sites set live_deployment_id = ${deploymentId} where id = ${site}`;
    const first = await request(edge.port, 'just-opened.localhost', '/');
    expect(first.status).toBe(200);
    expect(markerOf(first.body)).toBe('opened');
  });

  it('stops serving a suspended workspace’s sites and serves them again when it is reinstated', async () => {
    const suspended = await insertTenant(db.sql, '정지될 가게');
    const site = await insertSite(db.sql, suspended, 'paused-cafe');
    const { deploymentId } = await deploySite(other, { tenantId: suspended, siteId: site, buildId: null, files: siteFiles('paused', 1), dataDir });
    await activateDeployment(other, { tenantId: suspended, siteId: site, deploymentId });
    await servedMarker('paused-cafe.localhost', 'paused');
    await db.sql`update tenants set status = 'suspended' where id = ${suspended}`;
    await edge.resync();
    expect((await request(edge.port, 'paused-cafe.localhost', '/')).status).toBe(404);
    await db.sql`update tenants set status = 'active' where id = ${suspended}`;
    await edge.resync();
    expect(markerOf((await request(edge.port, 'paused-cafe.localhost', '/')).body)).toBe('paused');
  });

  it('runs on its own timer', async () => {
    const timed = await startEdge({ sql: db.sql, dataDir, host: '127.0.0.1', port: 0, baseDomain: 'localhost', resyncIntervalMs: 50 });
    try {
      const site = await insertSite(db.sql, tenant, 'timer-cafe');
      const { deploymentId } = await deploySite(other, { tenantId: tenant, siteId: site, buildId: null, files: siteFiles('timed', 1), dataDir });
      await db.sql`update sites set live_deployment_id = ${deploymentId} where id = ${site}`;
      await pollUntil(async () => {
        const res = await request(timed.port, 'timer-cafe.localhost', '/');
        return markerOf(res.body) === 'timed' ? true : undefined;
      }, 'the timer re-sync to load timer-cafe');
    } finally {
      await timed.close();
    }
  });
});

describe('GET /healthz', () => {
  it('reports the database, migrations and the number of sites on any host', async () => {
    const res = await request(edge.port, 'anything.example', '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true, database: true, migrations: true, sites: edge.stats().sites });
  });

  it('answers 503 when the database cannot be reached', async () => {
    const lone = connect(db.url, { max: 1 });
    const cutOff = await startEdge({ sql: lone, dataDir, host: '127.0.0.1', port: 0, baseDomain: 'localhost', resyncIntervalMs: 3_600_000 });
    try {
      await lone.end();
      const res = await request(cutOff.port, 'early-bird.localhost', '/healthz');
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body.toString())).toMatchObject({ ok: false, database: false, migrations: false });
      // What it loaded before the database went away is still served.
      expect(markerOf((await request(cutOff.port, 'early-bird.localhost', '/')).body)).toBe('early');
    } finally {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      await cutOff.close();
      // The one request it served cannot be counted without the database, and it says so.
      expect(logged).toHaveBeenCalledWith(expect.stringMatching(/could not record usage at close/));
      logged.mockRestore();
    }
  });

  it('answers 503 when the migrations are not current', async () => {
    const [last] = await db.sql`delete from schema_migrations where version = (select max(version) from schema_migrations) returning *`;
    try {
      const res = await request(edge.port, 'early-bird.localhost', '/healthz');
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body.toString())).toMatchObject({ ok: false, database: true, migrations: false });
    } finally {
      await db.sql`insert into schema_migrations ${db.sql(last as Record<string, unknown>)}`;
    }
  });
});
