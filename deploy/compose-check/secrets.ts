// 1. Secrets: deploy/secrets/ (or throwaway ones) and whether they fit together.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EnvFile, readEnvFile } from './env-file.ts';
import { fail, note, shown, warn } from './findings.ts';
import { asArray, asObject, asString } from './json.ts';
import {
  DEFAULT_SECRETS_DIR,
  GENERATOR,
  REPO,
  SECRET_ENV_FILES,
  SECRET_FILES,
  SIGNING_KEYS_FILE,
} from './settings.ts';

export interface Secrets {
  readonly dir: string;
  readonly temporary: boolean;
  readonly cleanup: () => void;
}

export function prepareSecrets(): Secrets | undefined {
  const configured = process.env.AUTHFLOW_SECRETS_DIR;
  const dir =
    configured !== undefined && configured !== '' ? resolve(REPO, configured) : DEFAULT_SECRETS_DIR;
  const present = SECRET_FILES.filter((file) => existsSync(join(dir, file)));
  if (present.length === SECRET_FILES.length) {
    note(`secrets: using ${shown(dir)}/`);
    return { dir, temporary: false, cleanup: () => undefined };
  }
  if (present.length > 0) {
    warn(
      shown(dir),
      `incomplete secrets (missing ${SECRET_FILES.filter((file) => !present.includes(file)).join(', ')}): ` +
        'docker compose up would fail. Validating with throwaway secrets instead.',
    );
  }
  const scratch = mkdtempSync(join(tmpdir(), 'authflow-secrets-'));
  const out = join(scratch, 'secrets');
  const result = spawnSync(process.execPath, [GENERATOR, '--out', out], { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    fail(shown(GENERATOR), `failed: ${(result.stderr || result.stdout).trim()}`);
    return undefined;
  }
  note(
    `secrets: none in ${shown(dir)}/, so throwaway ones were generated in a temporary folder ` +
      '(nothing written to the repository)',
  );
  return {
    dir: out,
    temporary: true,
    cleanup: () => {
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The secrets must fit each other and the compose stack; names only in every message. */
export function checkSecrets(dir: string, temporary: boolean): Map<string, EnvFile> {
  const files = new Map<string, EnvFile>();
  for (const name of SECRET_ENV_FILES) files.set(name, readEnvFile(join(dir, name)));
  const get = (file: string, variable: string): string | undefined =>
    files.get(file)?.vars.get(variable);
  const where = (file: string) => (temporary ? `(generated) ${file}` : shown(join(dir, file)));

  const handoff = get('authflow.env', 'AUTHFLOW_HANDOFF_SECRET');
  if (handoff === undefined || handoff.length < 32) {
    fail(where('authflow.env'), 'AUTHFLOW_HANDOFF_SECRET is missing or shorter than 32 characters');
  }
  const redisPassword = get('redis.env', 'REDIS_PASSWORD');
  if (redisPassword === undefined || redisPassword === '') {
    fail(where('redis.env'), 'REDIS_PASSWORD is missing');
  }
  const redisUrl = parseUrl(get('authflow.env', 'REDIS_URL'));
  if (redisUrl === undefined || !['redis:', 'rediss:'].includes(redisUrl.protocol)) {
    fail(where('authflow.env'), 'REDIS_URL is missing or not a redis:// URL');
  } else {
    if (redisUrl.host !== 'redis:6379') {
      warn(where('authflow.env'), 'REDIS_URL does not point at the compose service redis:6379');
    }
    if (decodeURIComponent(redisUrl.password) !== redisPassword) {
      fail(where('authflow.env'), "REDIS_URL's password differs from REDIS_PASSWORD in redis.env");
    }
  }
  const postgresPassword = get('postgres.env', 'POSTGRES_PASSWORD');
  if (postgresPassword === undefined || postgresPassword === '') {
    fail(where('postgres.env'), 'POSTGRES_PASSWORD is missing');
  }
  const databaseUrl = parseUrl(get('auth.env', 'AUTH_DATABASE_URL'));
  if (databaseUrl === undefined || !['postgres:', 'postgresql:'].includes(databaseUrl.protocol)) {
    fail(where('auth.env'), 'AUTH_DATABASE_URL is missing or not a postgres:// URL');
  } else {
    if (databaseUrl.host !== 'postgres:5432' || databaseUrl.pathname !== '/authflow') {
      warn(where('auth.env'), 'AUTH_DATABASE_URL does not name postgres:5432/authflow');
    }
    if (decodeURIComponent(databaseUrl.username) !== 'authflow') {
      fail(where('auth.env'), 'AUTH_DATABASE_URL does not use the user authflow (POSTGRES_USER)');
    }
    if (decodeURIComponent(databaseUrl.password) !== postgresPassword) {
      fail(where('auth.env'), "AUTH_DATABASE_URL's password differs from POSTGRES_PASSWORD");
    }
  }
  checkSigningKeys(join(dir, SIGNING_KEYS_FILE), where(SIGNING_KEYS_FILE));

  if (!temporary && process.platform !== 'win32') {
    if ((statSync(dir).mode & 0o077) !== 0) {
      warn(shown(dir), 'other users of this machine may enter the secrets folder: chmod 700 it');
    }
    for (const name of SECRET_ENV_FILES) {
      if ((statSync(join(dir, name)).mode & 0o077) !== 0) {
        warn(where(name), 'readable by other users: chmod 600 it');
      }
    }
    if ((statSync(join(dir, SIGNING_KEYS_FILE)).mode & 0o004) === 0) {
      warn(
        where(SIGNING_KEYS_FILE),
        'not world-readable: compose bind-mounts it with its host owner and mode, and the ' +
          'gateway runs as uid 1000 ("node"). Unless that uid owns it, the gateway cannot read it ' +
          '(chmod 644; the 700 folder keeps it private on the host)',
      );
    }
  }
  return files;
}

export function checkSigningKeys(path: string, where: string): void {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    fail(where, 'not valid JSON');
    return;
  }
  const activeKid = asString(asObject(document).activeKid);
  const keys = asArray(asObject(document).keys).map(asObject);
  const active = keys.find((key) => asString(key.kid) === activeKid);
  if (activeKid === undefined || active === undefined) {
    fail(where, 'activeKid is missing or names none of the keys');
    return;
  }
  try {
    const pem = asString(active.pem);
    const jwk = asObject(active.jwk) as JsonWebKey;
    const key =
      pem !== undefined ? createPrivateKey(pem) : createPrivateKey({ key: jwk, format: 'jwk' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      fail(where, `the active key ${activeKid} is not an EC P-256 key (ES256)`);
    }
  } catch {
    fail(where, `the active key ${activeKid} has no readable private key (PKCS#8 PEM or JWK)`);
  }
}

export function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
