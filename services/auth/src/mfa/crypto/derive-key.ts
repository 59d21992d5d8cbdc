// Keys for other purposes (trusted-device cookie MACs, ...) derived from the encryption keys with
// HKDF-SHA256, so one configured secret serves several uses without any two sharing a key.
import { hkdfSync } from 'node:crypto';
import type { EncryptionKey, KeyRing } from './encryption-keys.js';

/** Used by the secret box itself; no other caller may derive its AES keys. */
export const SECRET_BOX_PURPOSE = 'secret-box';

const SALT = Buffer.from('authflow key derivation v1');

export interface DerivedKey {
  /** The id of the encryption key it was derived from. */
  readonly id: string;
  readonly key: Buffer;
}

/** `length` bytes for `purpose` from one key (internal: prefer `deriveKey` / `deriveKeys`). */
export function deriveFromKey(key: EncryptionKey, purpose: string, length = 32): Buffer {
  if (purpose.trim() === '') throw new TypeError('a key purpose is required');
  return Buffer.from(hkdfSync('sha256', key.key, SALT, `authflow ${purpose}`, length));
}

/** The key for `purpose` derived from the active key: what new MACs/tokens are made with. */
export function deriveKey(ring: KeyRing, purpose: string, length = 32): Buffer {
  refuseReserved(purpose);
  return deriveFromKey(ring.active, purpose, length);
}

/**
 * The key for `purpose` from every key of the ring, the active one first: what a MAC made before
 * a key rotation is still checked with.
 */
export function deriveKeys(ring: KeyRing, purpose: string, length = 32): DerivedKey[] {
  refuseReserved(purpose);
  return [ring.active, ...ring.previous].map((key) => ({
    id: key.id,
    key: deriveFromKey(key, purpose, length),
  }));
}

function refuseReserved(purpose: string): void {
  if (purpose === SECRET_BOX_PURPOSE)
    throw new TypeError(`"${SECRET_BOX_PURPOSE}" is the secret box's own purpose`);
}
