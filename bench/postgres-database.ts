// A fresh Postgres database for the login benchmark (psql against the machine's server), or
// nothing when no server answers, in which case the auth service uses embedded PGlite.
import { spawnSync } from 'node:child_process';

function psql(serverUrl: string, sql: string): { ok: boolean; output: string } {
  const result = spawnSync(
    'psql',
    [`${serverUrl}/postgres`, '-v', 'ON_ERROR_STOP=1', '-tAc', sql],
    {
      encoding: 'utf8',
      env: { ...process.env, PGCONNECT_TIMEOUT: '3' },
    },
  );
  if (result.error !== undefined) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

export function postgresAnswers(serverUrl: string): boolean {
  return psql(serverUrl, 'select 1').ok;
}

export interface FreshDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export function createFreshDatabase(serverUrl: string, name: string): FreshDatabase {
  if (!/^[a-z_][a-z0-9_]*$/u.test(name)) throw new Error(`unsafe database name ${name}`);
  const created = psql(serverUrl, `create database ${name}`);
  if (!created.ok) throw new Error(`could not create database ${name}: ${created.output}`);
  return {
    url: `${serverUrl}/${name}`,
    drop: () => {
      psql(serverUrl, `drop database if exists ${name} with (force)`);
      return Promise.resolve();
    },
  };
}
