// Applies the SQL migrations in services/auth/migrations once each, recorded in schema_migrations.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** Any 64-bit number shared by every auth instance: serialises concurrent starts. */
const MIGRATION_LOCK = 7_361_120_221;

export async function migrate(db: Database, folder = MIGRATIONS_FOLDER): Promise<string[]> {
  const files = (await readdir(folder))
    .filter((name) => /^\d+_[a-z0-9_]+\.sql$/u.test(name))
    .sort();
  await db.exec(
    'create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())',
  );
  return db.transaction(async (tx) => {
    // Two instances starting together must not both apply a migration.
    if (db.kind === 'postgres')
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const done = new Set(
      (await tx.query<{ version: string }>('select version from schema_migrations')).rows.map(
        ({ version }) => version,
      ),
    );
    const applied: string[] = [];
    for (const file of files) {
      const version = file.replace(/\.sql$/u, '');
      if (done.has(version)) continue;
      for (const statement of splitStatements(await readFile(`${folder}${file}`, 'utf8')))
        await tx.query(statement);
      await tx.query('insert into schema_migrations (version) values ($1)', [version]);
      applied.push(version);
    }
    return applied;
  });
}

/** Our migrations are plain DDL: statements end with `;` at the end of a line; comments are dropped. */
function splitStatements(script: string): string[] {
  return script
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*$/mu)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}
