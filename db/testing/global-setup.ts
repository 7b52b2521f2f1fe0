// Vitest global setup: one PostgreSQL for the whole run (DATABASE_URL when set, otherwise an
// embedded one in .data/test-postgres), and a migrated template database that each test file
// copies into a database of its own (CREATE DATABASE … TEMPLATE is a fast file copy).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connect } from '../client.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../embedded.ts';
import { migrate } from '../migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseAdminUrl: string;
    testDatabaseTemplate: string;
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // One folder per test run, so test runs started side by side never share a cluster.
    dataDir = path.resolve(`.data/test-${process.pid}`);
    await rm(dataDir, { recursive: true, force: true });
    embedded = await startEmbeddedDatabase(dataDir);
    adminUrl = embedded.url;
  }
  const template = `ww_template_${process.pid}`;
  const admin = connect(adminUrl, { max: 1 });
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  const templateSql = connect(withDatabase(adminUrl, template), { max: 1 });
  await migrate(templateSql);
  await templateSql.end();

  project.provide('testDatabaseAdminUrl', adminUrl);
  project.provide('testDatabaseTemplate', template);

  return async () => {
    const leftovers = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${`ww_t_${process.pid}_%`} or datname = ${template}`;
    for (const { datname } of leftovers) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    await admin.end();
    if (embedded) await embedded.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
