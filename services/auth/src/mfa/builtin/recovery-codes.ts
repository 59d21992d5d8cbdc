// Recovery codes: shown once, stored as hashes, each good for one sign-in without the usual factor.
import { createHash, randomInt } from 'node:crypto';

/**
 * Crockford's base32 alphabet: no I, L, O or U, so nothing reads as 1, 0 or another letter.
 * 12 characters × 5 bits = 60 bits per code.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const GROUPS = 3;
const GROUP_LENGTH = 4;
const CODE_LENGTH = GROUPS * GROUP_LENGTH;

export const RECOVERY_CODE_COUNT = 10;

/** `count` new codes like `7gq2-k9dm-xa4t`, all different. */
export function newRecoveryCodes(count: number = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(newRecoveryCode());
  return [...codes];
}

function newRecoveryCode(): string {
  const characters = Array.from(
    { length: CODE_LENGTH },
    () => ALPHABET[randomInt(ALPHABET.length)],
  );
  const groups: string[] = [];
  for (let start = 0; start < CODE_LENGTH; start += GROUP_LENGTH)
    groups.push(characters.slice(start, start + GROUP_LENGTH).join(''));
  return groups.join('-');
}

/**
 * The code as compared: lower case, spaces and dashes ignored, and the letters people type for
 * digits read as those digits (Crockford: I and L as 1, O as 0). `null` when it cannot be a code.
 */
export function normaliseRecoveryCode(input: string): string | null {
  const code = input
    .toLowerCase()
    .replace(/[\s-]/gu, '')
    .replace(/[il]/gu, '1')
    .replace(/o/gu, '0');
  if (code.length !== CODE_LENGTH) return null;
  for (const character of code) if (!ALPHABET.includes(character)) return null;
  return code;
}

/**
 * What is stored: SHA-256 of the normalised code, hex. A fast hash is right here: 60 random bits
 * cannot be guessed offline the way a password can, and sign-in needs no Argon2 cost per code.
 * `null` when the input is not a code at all.
 */
export function hashRecoveryCode(input: string): string | null {
  const code = normaliseRecoveryCode(input);
  return code === null ? null : createHash('sha256').update(code).digest('hex');
}
