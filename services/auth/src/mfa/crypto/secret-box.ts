// AES-256-GCM for values kept at rest (TOTP secrets, kept provider sessions): each ciphertext
// names the key that sealed it, so keys rotate without re-encrypting everything at once.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveFromKey, SECRET_BOX_PURPOSE } from './derive-key.js';
import type { KeyRing } from './encryption-keys.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// v1.<key id>.<iv>.<ciphertext>.<tag>, base64url parts (an empty plaintext has an empty middle).
const SEALED = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/u;

/** A value that cannot be opened: malformed, tampered with, or sealed for other associated data. */
export class SecretBoxError extends Error {
  override readonly name: string = 'SecretBoxError';
}

/** Sealed with a key that is neither the active one nor a previous one: a configuration problem. */
export class UnknownEncryptionKeyError extends SecretBoxError {
  override readonly name = 'UnknownEncryptionKeyError';
  readonly keyId: string;

  constructor(keyId: string) {
    super(
      `sealed with encryption key ${keyId}, which is neither AUTH_ENCRYPTION_KEY nor one of AUTH_ENCRYPTION_KEYS_PREVIOUS`,
    );
    this.keyId = keyId;
  }
}

export class SecretBox {
  readonly #activeId: string;
  // AES keys derived from the configured ones (key separation from other derived purposes).
  readonly #keys = new Map<string, Buffer>();

  constructor(ring: KeyRing) {
    this.#activeId = ring.active.id;
    for (const key of [ring.active, ...ring.previous])
      if (!this.#keys.has(key.id)) this.#keys.set(key.id, deriveFromKey(key, SECRET_BOX_PURPOSE));
  }

  get activeKeyId(): string {
    return this.#activeId;
  }

  /**
   * Encrypts `plaintext` with the active key. `associatedData` (e.g. a user and factor id) is
   * authenticated, not stored: the value opens only with the same one, so a ciphertext copied to
   * another row does not open there.
   */
  seal(plaintext: string, associatedData = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keyFor(this.#activeId), iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(aad(this.#activeId, associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.#activeId,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  /** The plaintext; throws `UnknownEncryptionKeyError` or `SecretBoxError` (never with the value). */
  open(sealed: string, associatedData = ''): string {
    const parts = SEALED.exec(sealed);
    if (parts === null) throw new SecretBoxError('not a sealed value');
    const [, keyId = '', iv = '', ciphertext = '', tag = ''] = parts;
    const decipher = createDecipheriv('aes-256-gcm', this.#keyFor(keyId), b64(iv), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad(keyId, associatedData));
    decipher.setAuthTag(b64(tag));
    try {
      return Buffer.concat([decipher.update(b64(ciphertext)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'the sealed value does not open: tampered with, or sealed for other associated data',
      );
    }
  }

  /** The id of the key that sealed `sealed`; `undefined` when it is not a sealed value. */
  keyIdOf(sealed: string): string | undefined {
    return SEALED.exec(sealed)?.[1];
  }

  /** Sealed with an older key: worth sealing again with the active one when next written. */
  isSealedWithOlderKey(sealed: string): boolean {
    const keyId = this.keyIdOf(sealed);
    return keyId !== undefined && keyId !== this.#activeId;
  }

  #keyFor(keyId: string): Buffer {
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new UnknownEncryptionKeyError(keyId);
    return key;
  }
}

/** The header is authenticated too: a ciphertext relabelled with another key id never opens. */
function aad(keyId: string, associatedData: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}\u0000${associatedData}`, 'utf8');
}

function b64(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}
