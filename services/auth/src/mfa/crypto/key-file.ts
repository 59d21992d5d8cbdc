// The development fallback for AUTH_ENCRYPTION_KEY: a key generated once into the data folder of
// the embedded database (mode 0600) and reused on every start, so factors survive a restart.
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AuthConfig } from '../../config/load-config.js';
import {
  createKeyRing,
  ENCRYPTION_KEY_FORMAT,
  generateEncryptionKey,
  type KeyRing,
  parseEncryptionKey,
} from './encryption-keys.js';

/** The key file's name inside `AUTH_DATA_DIR`, beside PGlite's folder. */
export const KEY_FILE_NAME = 'encryption.key';

export interface KeyFile {
  readonly path: string;
  readonly key: Buffer;
  /** Written by this call (otherwise read from an earlier start). */
  readonly created: boolean;
  /** Group or others may read it (set by hand, or copied without its mode). */
  readonly tooOpen: boolean;
}

/** Reads the key in `path`, or writes a new one there (0600) when there is none. */
export async function loadOrCreateKeyFile(path: string): Promise<KeyFile> {
  await mkdir(resolve(path, '..'), { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: the link either appears whole or fails because a key
  // is there already, so two processes starting together agree on one key and never read half.
  const draft = `${path}.${randomUUID()}.tmp`;
  let created = true;
  try {
    await writeFile(draft, `${generateEncryptionKey()}\n`, { flag: 'wx', mode: 0o600 });
    await link(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    created = false;
  } finally {
    await rm(draft, { force: true });
  }
  const key = parseEncryptionKey(await readFile(path, 'utf8'));
  if (key === undefined)
    throw new Error(`the encryption key file ${path} ${ENCRYPTION_KEY_FORMAT}`);
  const tooOpen = ((await stat(path)).mode & 0o077) !== 0;
  return { path, key, created, tooOpen };
}

/**
 * The ring to seal with: AUTH_ENCRYPTION_KEY (+ previous) when set. Otherwise (embedded PGlite
 * only: the schema requires the key with AUTH_DATABASE_URL) the key file in AUTH_DATA_DIR,
 * generated on first use. It lives beside the data it protects, and is warned about at each start.
 */
export async function openKeyRing(
  config: Pick<AuthConfig, 'encryption' | 'identity'>,
  logger: { warn(details: object, message: string): void },
): Promise<KeyRing> {
  if (config.encryption !== undefined) return config.encryption;
  if (config.identity.databaseUrl !== undefined)
    throw new Error('AUTH_ENCRYPTION_KEY is required with AUTH_DATABASE_URL');
  const file = await loadOrCreateKeyFile(join(resolve(config.identity.dataDir), KEY_FILE_NAME));
  const ring = createKeyRing(file.key);
  logger.warn(
    { keyFile: file.path, kid: ring.active.id, generated: file.created },
    `AUTH_ENCRYPTION_KEY is not set: ${file.created ? 'generated' : 'using'} the key in ${file.path} ` +
      '(development only). Second-factor secrets are encrypted with it: keep the file with the data, ' +
      'and set AUTH_ENCRYPTION_KEY (its content) before using a Postgres server or a second instance.',
  );
  if (file.tooOpen)
    logger.warn(
      { keyFile: file.path },
      'the encryption key file is readable by other users: chmod 600 it',
    );
  return ring;
}
