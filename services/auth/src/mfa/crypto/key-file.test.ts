// Without AUTH_ENCRYPTION_KEY (embedded database only) the key is generated once into the data
// folder and reused, so second factors survive a restart.
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../../config/load-config.js';
import { createKeyRing, generateEncryptionKey, parseEncryptionKey } from './encryption-keys.js';
import { KEY_FILE_NAME, loadOrCreateKeyFile, openKeyRing } from './key-file.js';
import { SecretBox } from './secret-box.js';

const HANDOFF = { AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32) };

function recordingLogger() {
  const lines: { details: object; message: string }[] = [];
  return {
    lines,
    warn: (details: object, message: string) => {
      lines.push({ details, message });
    },
  };
}

describe('the development key file', () => {
  it('is created once with mode 0600 and read back on the next start', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'authflow-key-')), 'auth');
    const config = loadAuthConfig({ ...HANDOFF, AUTH_DATA_DIR: dataDir });
    const firstLog = recordingLogger();
    const first = await openKeyRing(config, firstLog);
    const path = join(dataDir, KEY_FILE_NAME);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(parseEncryptionKey(await readFile(path, 'utf8'))).toHaveLength(32);
    expect(firstLog.lines).toHaveLength(1);
    expect(firstLog.lines[0]?.message).toContain('generated');
    expect(firstLog.lines[0]?.message).toContain(path);
    expect(firstLog.lines[0]?.message).toContain('development only');
    expect(firstLog.lines[0]?.details).toMatchObject({ keyFile: path, generated: true });

    const sealed = new SecretBox(first).seal('secret');
    const againLog = recordingLogger();
    const again = await openKeyRing(config, againLog);
    expect(again.active.id).toBe(first.active.id);
    expect(new SecretBox(again).open(sealed)).toBe('secret');
    expect(againLog.lines[0]?.details).toMatchObject({ generated: false });
    // The key itself is never logged.
    const key = (await readFile(path, 'utf8')).trim();
    expect(JSON.stringify([firstLog.lines, againLog.lines])).not.toContain(key);
  });

  it('gives processes starting together one key', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'authflow-key-')), KEY_FILE_NAME);
    const files = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateKeyFile(path)));
    expect(files.filter((file) => file.created)).toHaveLength(1);
    expect(new Set(files.map((file) => file.key.toString('hex'))).size).toBe(1);
  });

  it('warns when others may read the file, and refuses one that holds no key', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'authflow-key-'));
    const path = join(dataDir, KEY_FILE_NAME);
    await writeFile(path, generateEncryptionKey());
    await chmod(path, 0o644);
    const log = recordingLogger();
    await openKeyRing(loadAuthConfig({ ...HANDOFF, AUTH_DATA_DIR: dataDir }), log);
    expect(log.lines.map((line) => line.message).join('\n')).toContain('chmod 600');

    await writeFile(path, 'not a key');
    await expect(loadOrCreateKeyFile(path)).rejects.toThrow(`${path} must be 32 bytes`);
  });

  it('is not used when AUTH_ENCRYPTION_KEY is set', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'authflow-key-'));
    const key = generateEncryptionKey();
    const log = recordingLogger();
    const ring = await openKeyRing(
      loadAuthConfig({ ...HANDOFF, AUTH_DATA_DIR: dataDir, AUTH_ENCRYPTION_KEY: key }),
      log,
    );
    expect(ring.active.id).toBe(
      createKeyRing(parseEncryptionKey(key) ?? Buffer.alloc(0)).active.id,
    );
    expect(log.lines).toEqual([]);
    await expect(stat(join(dataDir, KEY_FILE_NAME))).rejects.toThrow(/ENOENT/u);
  });
});
