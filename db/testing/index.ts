// For tests: a fresh, migrated database per test file.
//   const db = await createTestDatabase();   // in beforeAll
//   db.sql`…`; db.url;                        // postgres.js client and its URL
//   await db.drop();                          // in afterAll
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connect, type Sql } from '../client.ts';

export interface TestDatabase {
  name: string;
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('testDatabaseAdminUrl');
  const template = inject('testDatabaseTemplate');
  const ownerPid = template.replace('ww_template_', '');
  const name = `ww_t_${ownerPid}_${randomBytes(4).toString('hex')}`;
  const admin = connect(adminUrl, { max: 1 });
  await admin.unsafe(`create database ${name} template ${template}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const sql = connect(url, { max: 5 });
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const a = connect(adminUrl, { max: 1 });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
