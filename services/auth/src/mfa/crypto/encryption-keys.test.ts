// Keys as people write them into the environment, their ids, and the keys derived from them.
import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deriveKey, deriveKeys, SECRET_BOX_PURPOSE } from './derive-key.js';
import {
  createKeyRing,
  encryptionKeyId,
  generateEncryptionKey,
  parseEncryptionKey,
} from './encryption-keys.js';

const bytes = randomBytes(32);

describe('parseEncryptionKey', () => {
  it('reads 32 bytes written as hex, base64 (padded or not) and base64url', () => {
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/u, ''),
      bytes.toString('base64url'),
      `  ${bytes.toString('base64url')}\n`,
    ])
      expect(parseEncryptionKey(text)?.equals(bytes)).toBe(true);
  });

  it('refuses other lengths and alphabets', () => {
    for (const text of [
      '',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64url'),
      randomBytes(48).toString('base64'),
      'x'.repeat(32),
      `${bytes.toString('hex').slice(0, 63)}g`,
      `${bytes.toString('base64url').slice(0, 42)}!`,
    ])
      expect(parseEncryptionKey(text)).toBeUndefined();
  });

  it('generates keys it accepts', () => {
    const key = generateEncryptionKey();
    expect(parseEncryptionKey(key)).toHaveLength(32);
    expect(generateEncryptionKey()).not.toBe(key);
  });
});

describe('createKeyRing', () => {
  it('names each key by the first 8 hex characters of its SHA-256', () => {
    const ring = createKeyRing(bytes);
    expect(ring.active.id).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 8));
    expect(encryptionKeyId(bytes)).toBe(ring.active.id);
  });

  it('keeps each previous key once and drops the active one from them', () => {
    const old = randomBytes(32);
    const ring = createKeyRing(bytes, [old, bytes, old]);
    expect(ring.previous.map((key) => key.id)).toEqual([encryptionKeyId(old)]);
  });

  it('shows no key material when printed or serialised', () => {
    const ring = createKeyRing(bytes);
    const shown = `${inspect(ring, { depth: 5 })}${JSON.stringify(ring)}`;
    expect(shown).not.toContain(bytes.toString('hex'));
    expect(shown).not.toContain(bytes.toString('base64'));
    expect(shown).not.toMatch(/\d+, \d+, \d+/u);
  });
});

describe('deriveKey', () => {
  const ring = createKeyRing(bytes);

  it('derives a stable key per purpose, unlike the key itself or another purpose', () => {
    const cookies = deriveKey(ring, 'trusted-device-cookie');
    expect(cookies).toHaveLength(32);
    expect(deriveKey(createKeyRing(bytes), 'trusted-device-cookie').equals(cookies)).toBe(true);
    expect(deriveKey(ring, 'something-else').equals(cookies)).toBe(false);
    expect(cookies.equals(bytes)).toBe(false);
    expect(deriveKey(createKeyRing(randomBytes(32)), 'trusted-device-cookie').equals(cookies)).toBe(
      false,
    );
  });

  it('derives from every key of a rotated ring, the active one first', () => {
    const rotated = createKeyRing(randomBytes(32), [bytes]);
    const keys = deriveKeys(rotated, 'trusted-device-cookie');
    expect(keys.map((key) => key.id)).toEqual([rotated.active.id, ring.active.id]);
    expect(keys[1]?.key.equals(deriveKey(ring, 'trusted-device-cookie'))).toBe(true);
  });

  it('refuses the secret box purpose and an empty one', () => {
    expect(() => deriveKey(ring, SECRET_BOX_PURPOSE)).toThrow(TypeError);
    expect(() => deriveKeys(ring, SECRET_BOX_PURPOSE)).toThrow(TypeError);
    expect(() => deriveKey(ring, ' ')).toThrow(TypeError);
  });
});
