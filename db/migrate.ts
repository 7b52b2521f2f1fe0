import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './client.ts';

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK = 7_243_119;

export interface Migration {
  version: number;
  name: string;
  file: string;
}

export async function listMigrations(): Promise<Migration[]> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file) => {
    const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`Migration file name must look like 001_name.sql: ${file}`);
    return { version: Number(match[1]), name: match[2], file: path.join(migrationsDir, file) };
  });
}

/** Applies every migration not applied yet, in order, each in its own transaction. */
export async function migrate(sql: Sql): Promise<{ applied: string[] }> {
  const migrations = await listMigrations();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`;
    const done = new Set((await tx<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      const text = await readFile(migration.file, 'utf8');
      await tx.savepoint(async (sp) => {
        await sp.unsafe(text);
        await sp`insert into schema_migrations (version, name) values (${migration.version}, ${migration.name})`;
      }).catch((cause) => {
        throw new Error(`Migration ${path.basename(migration.file)} failed: ${(cause as Error).message}`, { cause });
      });
      applied.push(path.basename(migration.file));
    }
  });
  return { applied };
}

/** True when every migration file has been applied (used by /healthz). */
export async function migrationsCurrent(sql: Sql): Promise<boolean> {
  const migrations = await listMigrations();
  const rows = await sql<{ version: number }[]>`select version from schema_migrations`.catch(() => []);
  const done = new Set(rows.map((r) => r.version));
  return migrations.every((m) => done.has(m.version));
}
