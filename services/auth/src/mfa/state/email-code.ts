// Email one-time codes: six digits from the CSPRNG, kept only as a digest bound to their subject.
import { hash, randomInt, timingSafeEqual } from 'node:crypto';

/** A fresh code, `000000`–`999999`, uniform (crypto.randomInt has no modulo bias). */
export function generateEmailCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/**
 * What is stored instead of the code: SHA-256 over subject and code, so a code issued for one
 * pending sign-in or session is worthless for any other, and a read of the store shows no code.
 */
export function emailCodeDigest(subject: string, code: string): string {
  return hash('sha256', `${subject}\u0000${code}`, 'base64url');
}

/** Constant-time comparison of two digests (same length by construction). */
export function digestsMatch(stored: string, candidate: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(candidate);
  return a.length === b.length && timingSafeEqual(a, b);
}
