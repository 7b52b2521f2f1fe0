// A build's log lines and status changes reach a live stream exactly as they are stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, withTenant, type Sql } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { announceBuildStatus, appendBuildLog, subscribeToBuild, type BuildEvent } from './build-events.ts';
import { createTenantWithSite } from './testing.ts';

let db: TestDatabase;
let sql: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = connect(db.url, { max: 4 });
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await db?.drop();
});

describe('build events', () => {
  it('announce a log line and a status change with what the tables hold', async () => {
    const { tenantId, siteId } = await createTenantWithSite(sql, { slug: 'events-cafe', siteName: '이벤트 카페' });
    const [version] = await sql<{ id: string }[]>`
      insert into site_versions (tenant_id, site_id, number, document, reason)
      select ${tenantId}, ${siteId}, 1, document, 'publish' from sites where id = ${siteId} returning id`;
    const [build] = await sql<{ id: string }[]>`
      insert into builds (tenant_id, site_id, version_id, status, stage, progress)
      values (${tenantId}, ${siteId}, ${version.id}, 'running', 'upload', 40) returning id`;
    const events: BuildEvent[] = [];
    const stop = await subscribeToBuild(sql, build.id, (event) => events.push(event));
    try {
      const long = `파일을 올립니다 ${'가'.repeat(2500)}`;
      const id = await withTenant(sql, tenantId, async (tx) => {
        const logged = await appendBuildLog(tx, { tenantId, buildId: build.id, stage: 'upload', level: 'warn', message: long });
        await announceBuildStatus(tx, build.id);
        return logged;
      });
      await expect.poll(() => events.length).toBe(2);
      const [row] = await sql<{ at: Date }[]>`select at from build_logs where id = ${id}`;
      expect(events[0]).toEqual({
        type: 'log', buildId: build.id, id, at: row.at.toISOString(), level: 'warn', stage: 'upload', message: long.slice(0, 2000),
      });
      expect(events[1]).toEqual({
        type: 'status', buildId: build.id, status: 'running', stage: 'upload', progress: 40, error: null, deploymentId: null,
      });
    } finally {
      await stop();
    }
  });
});
