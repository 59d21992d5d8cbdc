// Generates the secrets of the compose stack (docker-compose.yml) into deploy/secrets/.
//
//   node deploy/generate-secrets.ts            # writes what is missing; never overwrites
//   node deploy/generate-secrets.ts --force    # replaces every secret (see the warning below)
//   node deploy/generate-secrets.ts --out DIR  # another folder (compose: AUTHFLOW_SECRETS_DIR=DIR)
//
// Runs on Node's built-in type stripping and imports node: modules only, so it works on a fresh
// clone before `npm ci`. It prints the names of what it wrote, never the values.
//
// One file per consumer, so each container receives only the secrets it uses:
//   authflow.env               gateway + auth   AUTHFLOW_HANDOFF_SECRET, REDIS_URL
//   auth.env                   auth             AUTH_DATABASE_URL, AUTH_ENCRYPTION_KEY
//   redis.env                  redis            REDIS_PASSWORD
//   postgres.env               postgres         POSTGRES_PASSWORD
//   gateway-signing-keys.json  gateway          ES256 key for the signed identity (compose secret)
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const DEFAULT_OUT = join(import.meta.dirname, 'secrets');

/** Compose service names and the database identity the stack uses (docker-compose.yml). */
const REDIS_HOST = 'redis:6379';
const POSTGRES_HOST = 'postgres:5432';
const POSTGRES_USER = 'authflow';
const POSTGRES_DB = 'authflow';

interface SecretFile {
  readonly name: string;
  readonly content: string;
  /** What the summary says about it: variable names or a description, never values. */
  readonly holds: string;
  readonly mode: number;
}

const USAGE = `Usage: node deploy/generate-secrets.ts [--force] [--out DIR]

Writes the secrets of docker-compose.yml into deploy/secrets/ (or DIR):
authflow.env, auth.env, redis.env, postgres.env and gateway-signing-keys.json.
Existing secrets are never overwritten unless --force is given.
`;

function main(argv: readonly string[]): number {
  let options: { force: boolean; out: string; help: boolean };
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        force: { type: 'boolean', default: false },
        out: { type: 'string', default: DEFAULT_OUT },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    options = { force: values.force, out: values.out, help: values.help };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const outDir = resolve(options.out);
  const shown = displayPath(outDir);
  const files = buildSecretFiles(new Date());
  const present = files.filter((file) => existsSync(join(outDir, file.name)));

  if (!options.force && present.length === files.length) {
    // Secrets made before second factors lack the encryption key: add it, change nothing else.
    if (addMissingEncryptionKey(join(outDir, 'auth.env'))) {
      process.stdout.write(
        `Added AUTH_ENCRYPTION_KEY to ${shown}/auth.env (second-factor secrets are encrypted with it); ` +
          'nothing else changed.\n',
      );
      return 0;
    }
    process.stdout.write(
      `Secrets already present in ${shown}/ (${files.map((file) => file.name).join(', ')}); ` +
        'nothing written. Use --force to replace them.\n',
    );
    return 0;
  }
  if (!options.force && present.length > 0) {
    // The files depend on each other (REDIS_URL embeds REDIS_PASSWORD, AUTH_DATABASE_URL embeds
    // POSTGRES_PASSWORD): completing a partial set with fresh values would not match the rest.
    const missing = files.filter((file) => !present.includes(file));
    process.stderr.write(
      `The secrets in ${shown}/ are incomplete (found ${present.map((file) => file.name).join(', ')}; ` +
        `missing ${missing.map((file) => file.name).join(', ')}). Nothing written.\n` +
        'Restore the missing files, or regenerate them all with --force (new passwords: a Postgres ' +
        'volume initialised with the old password keeps it, see deploy/README.md).\n',
    );
    return 1;
  }

  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  // Only the owner may enter the folder. This is what keeps gateway-signing-keys.json private
  // on the host: that file itself must stay readable by the container's "node" user.
  chmodSync(outDir, 0o700);
  const gitignore = join(outDir, '.gitignore');
  if (!existsSync(gitignore)) writeFileSync(gitignore, '*\n!.gitignore\n', { mode: 0o644 });

  for (const file of files) writeAtomically(join(outDir, file.name), file.content, file.mode);

  const verb = present.length > 0 ? 'Replaced' : 'Wrote';
  const lines = files.map(
    (file) =>
      `  ${file.name.padEnd(27)} mode ${file.mode.toString(8).padStart(4, '0')}  ${file.holds}`,
  );
  process.stdout.write(`${verb} secrets in ${shown}/ (folder mode 0700):\n${lines.join('\n')}\n`);
  if (present.length > 0) {
    process.stdout.write(
      'The Redis and Postgres passwords changed. A Postgres volume keeps the password it was ' +
        'created with: recreate it (docker compose down -v) or change the password in Postgres.\n',
    );
  }
  if (outDir !== DEFAULT_OUT) {
    process.stdout.write(`Point compose at them with AUTHFLOW_SECRETS_DIR=${outDir}\n`);
  }
  return 0;
}

/**
 * Encrypts second-factor secrets at rest (AES-256-GCM). Replacing it makes every enrolled
 * authenticator unreadable: rotate by moving the old key to AUTH_ENCRYPTION_KEYS_PREVIOUS.
 */
const ENCRYPTION_KEY_LINES = [
  '# Encrypts second-factor secrets at rest. To rotate, move this value to',
  '# AUTH_ENCRYPTION_KEYS_PREVIOUS and set a new one; never just replace it.',
];

function encryptionKeyLines(): string[] {
  return [...ENCRYPTION_KEY_LINES, `AUTH_ENCRYPTION_KEY=${randomBytes(32).toString('base64url')}`];
}

/** Appends a fresh AUTH_ENCRYPTION_KEY to an auth.env that has none; true when it did. */
function addMissingEncryptionKey(path: string): boolean {
  const content = readFileSync(path, 'utf8');
  if (/^AUTH_ENCRYPTION_KEY=/mu.test(content)) return false;
  const separator = content.endsWith('\n') ? '' : '\n';
  writeAtomically(path, `${content}${separator}${encryptionKeyLines().join('\n')}\n`, 0o600);
  return true;
}

function buildSecretFiles(now: Date): SecretFile[] {
  const handoffSecret = randomHex(32);
  const redisPassword = randomHex(32);
  const postgresPassword = randomHex(32);
  const stamp = `# Generated by deploy/generate-secrets.ts on ${now.toISOString()}. Secret: never commit or share.`;
  const keys = signingKeysFile(now);
  return [
    {
      name: 'authflow.env',
      holds: 'AUTHFLOW_HANDOFF_SECRET, REDIS_URL (gateway and auth)',
      mode: 0o600,
      content: [
        stamp,
        '# Shared by the gateway and auth: the handoff HMAC secret and the Redis URL (with the',
        '# password of redis.env).',
        `AUTHFLOW_HANDOFF_SECRET=${handoffSecret}`,
        `REDIS_URL=redis://:${redisPassword}@${REDIS_HOST}`,
        '',
      ].join('\n'),
    },
    {
      name: 'auth.env',
      holds: 'AUTH_DATABASE_URL, AUTH_ENCRYPTION_KEY (auth)',
      mode: 0o600,
      content: [
        stamp,
        '# The auth service only. Other secrets of auth belong here too, for example',
        '# AUTH_SMTP_URL=smtps://user:password@smtp.example.com:465 or the AUTH_SUPABASE_* keys.',
        `AUTH_DATABASE_URL=postgres://${POSTGRES_USER}:${postgresPassword}@${POSTGRES_HOST}/${POSTGRES_DB}`,
        ...encryptionKeyLines(),
        '',
      ].join('\n'),
    },
    {
      name: 'redis.env',
      holds: 'REDIS_PASSWORD (redis)',
      mode: 0o600,
      content: [stamp, `REDIS_PASSWORD=${redisPassword}`, ''].join('\n'),
    },
    {
      name: 'postgres.env',
      holds: 'POSTGRES_PASSWORD (postgres; applied when its volume is first created)',
      mode: 0o600,
      content: [stamp, `POSTGRES_PASSWORD=${postgresPassword}`, ''].join('\n'),
    },
    {
      name: 'gateway-signing-keys.json',
      holds: `ES256 key ${keys.kid} (gateway, compose secret; readable by the container user)`,
      // Compose mounts file secrets as bind mounts with the host file's owner and mode (uid/gid/
      // mode of a secret are swarm-only). The gateway runs as "node" (uid 1000), which is rarely
      // the owner on the host, so the file is world-readable and the 0700 folder guards it.
      mode: 0o644,
      content: keys.content,
    },
  ];
}

/** `{ activeKid, keys: [{ kid, pem }] }`, the gateway's GATEWAY_SIGNING_KEYS_FILE format. */
function signingKeysFile(now: Date): { kid: string; content: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const kid = `${now.toISOString().slice(0, 10)}-${jwkThumbprint(publicKey.export({ format: 'jwk' })).slice(0, 16)}`;
  const document = { activeKid: kid, keys: [{ kid, pem }] };
  return { kid, content: `${JSON.stringify(document, null, 2)}\n` };
}

/** RFC 7638 thumbprint of an EC public key: SHA-256 over its required members in order. */
function jwkThumbprint(jwk: { crv?: string; kty?: string; x?: string; y?: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Written next to the target, then renamed: a crash never leaves a half-written secret. */
function writeAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.${randomHex(4)}.tmp`;
  try {
    writeFileSync(temporary, content, { mode, flag: 'wx' });
    chmodSync(temporary, mode);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd !== '' && !fromCwd.startsWith('..') ? fromCwd : path;
}

process.exitCode = main(process.argv.slice(2));
