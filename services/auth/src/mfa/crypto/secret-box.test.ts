// Sealing values at rest: AES-256-GCM, the key id in the ciphertext, associated data, rotation.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyRing } from './encryption-keys.js';
import { SecretBox, SecretBoxError, UnknownEncryptionKeyError } from './secret-box.js';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const box = new SecretBox(createKeyRing(oldKey));

describe('SecretBox', () => {
  it('seals into v1.<key id>.<iv>.<ciphertext>.<tag> and opens it again', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/u);
    expect(sealed.split('.')[1]).toBe(box.activeKeyId);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('uses a fresh IV for every seal', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('opens empty and non-ASCII values', () => {
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('clé 🔑'))).toBe('clé 🔑');
  });

  it('opens only with the associated data it was sealed with', () => {
    const sealed = box.seal('secret', 'user-1/factor-1');
    expect(() => box.open(sealed, 'user-2/factor-1')).toThrow(SecretBoxError);
    expect(() => box.open(sealed)).toThrow(SecretBoxError);
  });

  it('refuses a tampered ciphertext, tag or key id', () => {
    const sealed = box.seal('secret value');
    const [version, kid, iv, ciphertext, tag] = sealed.split('.') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    expect(() => box.open([version, kid, iv, flip(ciphertext), tag].join('.'))).toThrow(
      SecretBoxError,
    );
    expect(() => box.open([version, kid, iv, ciphertext, flip(tag)].join('.'))).toThrow(
      SecretBoxError,
    );
    expect(() => box.open([version, kid, flip(iv), ciphertext, tag].join('.'))).toThrow(
      SecretBoxError,
    );
    // The same ciphertext relabelled as sealed by another key of the ring does not open.
    const both = new SecretBox(createKeyRing(newKey, [oldKey]));
    const relabelled = [version, both.activeKeyId, iv, ciphertext, tag].join('.');
    expect(() => both.open(relabelled)).toThrow(SecretBoxError);
  });

  it('says which key is missing when a value was sealed with a key it does not have', () => {
    const other = new SecretBox(createKeyRing(newKey));
    const sealed = box.seal('secret');
    let thrown: unknown;
    try {
      other.open(sealed);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnknownEncryptionKeyError);
    expect((thrown as UnknownEncryptionKeyError).keyId).toBe(box.activeKeyId);
    expect((thrown as Error).message).toContain(box.activeKeyId);
    expect((thrown as Error).message).toContain('AUTH_ENCRYPTION_KEYS_PREVIOUS');
  });

  it('refuses what is not a sealed value', () => {
    for (const value of [
      '',
      'plain',
      'v2.abcdef01.a.b.c',
      `v1.ABCDEF01.${'a'.repeat(16)}..${'a'.repeat(22)}`,
    ])
      expect(() => box.open(value)).toThrow(SecretBoxError);
  });

  it('after a rotation, opens old values with the previous key and seals with the new one', () => {
    const sealedBefore = box.seal('secret', 'ad');
    const rotated = new SecretBox(createKeyRing(newKey, [oldKey]));
    expect(rotated.open(sealedBefore, 'ad')).toBe('secret');
    expect(rotated.isSealedWithOlderKey(sealedBefore)).toBe(true);
    const sealedAfter = rotated.seal('secret', 'ad');
    expect(rotated.keyIdOf(sealedAfter)).toBe(rotated.activeKeyId);
    expect(rotated.activeKeyId).not.toBe(box.activeKeyId);
    expect(rotated.isSealedWithOlderKey(sealedAfter)).toBe(false);
    // Once the old key is dropped from the ring, its values no longer open.
    expect(() => new SecretBox(createKeyRing(newKey)).open(sealedBefore, 'ad')).toThrow(
      UnknownEncryptionKeyError,
    );
  });
});
