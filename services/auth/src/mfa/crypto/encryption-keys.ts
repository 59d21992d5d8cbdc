// Encryption keys as configured (AUTH_ENCRYPTION_KEY, AUTH_ENCRYPTION_KEYS_PREVIOUS): parsed from
// text, named by a key id, and gathered into a ring of one active key and older ones.
import { createHash, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

export const ENCRYPTION_KEY_BYTES = 32;

/** How a key must be written; the config schema's message (never the value itself). */
export const ENCRYPTION_KEY_FORMAT =
  'must be 32 bytes written as 64 hex characters or as base64/base64url (e.g. `openssl rand -base64 32`)';

export interface EncryptionKey {
  /** The first 8 hex characters of SHA-256(key): stored beside each ciphertext. */
  readonly id: string;
  /** A KeyObject, not a Buffer: it prints and serialises as `{}`, so a logged config leaks nothing. */
  readonly key: KeyObject;
}

export interface KeyRing {
  /** Seals every new value. */
  readonly active: EncryptionKey;
  /** Older keys: they still open what they sealed, and seal nothing new. */
  readonly previous: readonly EncryptionKey[];
}

const HEX = /^[0-9a-fA-F]{64}$/u;
// 32 bytes are 43 base64 characters, plus one `=` when padded; either alphabet.
const BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/u;

/** The 32 key bytes written as hex or base64/base64url; `undefined` for anything else. */
export function parseEncryptionKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (HEX.test(value)) return Buffer.from(value, 'hex');
  if (!BASE64.test(value)) return undefined;
  // Node's base64 decoder reads both alphabets.
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === ENCRYPTION_KEY_BYTES ? bytes : undefined;
}

export function encryptionKeyId(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 8);
}

export function toEncryptionKey(bytes: Buffer): EncryptionKey {
  if (bytes.length !== ENCRYPTION_KEY_BYTES) throw new RangeError('an encryption key is 32 bytes');
  return { id: encryptionKeyId(bytes), key: createSecretKey(Buffer.from(bytes)) };
}

/** A ring from raw keys; a previous key equal to the active one (or repeated) is kept once. */
export function createKeyRing(active: Buffer, previous: readonly Buffer[] = []): KeyRing {
  const activeKey = toEncryptionKey(active);
  const seen = new Set([activeKey.id]);
  const older: EncryptionKey[] = [];
  for (const bytes of previous) {
    const key = toEncryptionKey(bytes);
    if (seen.has(key.id)) continue;
    seen.add(key.id);
    older.push(key);
  }
  return { active: activeKey, previous: older };
}

/** A new random key, base64url: what a key file holds and what `AUTH_ENCRYPTION_KEY` accepts. */
export function generateEncryptionKey(): string {
  return randomBytes(ENCRYPTION_KEY_BYTES).toString('base64url');
}
