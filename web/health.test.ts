// GET /healthz answers 503 when the database is unreachable or a migration is missing, so a
// load balancer takes the instance out of rotation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing/index.ts';
import { startWebServer } from './server/start.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

async function health(sql: ReturnType<typeof connect>) {
  const web = await startWebServer({ sql, port: 0, heartbeat: false });
  try {
    const response = await fetch(`${web.url}/healthz`);
    return { status: response.status, body: await response.json() };
  } finally {
    await web.close();
  }
}

describe('/healthz', () => {
  it('answers 503 when a migration has not been applied', async () => {
    await db.sql`delete from schema_migrations where version = (select max(version) from schema_migrations)`;
    expect(await health(db.sql)).toEqual({ status: 503, body: { ok: false, database: true, migrations: false } });
  });

  it('answers 503 when the database cannot be reached', async () => {
    const url = new URL(db.url);
    url.pathname = '/no_such_database_for_health';
    const unreachable = connect(url.toString(), { max: 1 });
    try {
      expect(await health(unreachable)).toEqual({ status: 503, body: { ok: false, database: false, migrations: false } });
    } finally {
      await unreachable.end({ timeout: 1 });
    }
  });
});
