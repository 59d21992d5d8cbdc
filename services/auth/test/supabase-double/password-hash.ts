// Password hashing for the double's user rows (scrypt, deliberately cheap: this is test code).
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const COST = { N: 1024, r: 8, p: 1 } as const;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, KEY_LENGTH, COST);
  return `${salt.toString('hex')}:${key.toString('hex')}`;
}

export function isPasswordMatch(password: string, stored: string): boolean {
  const [saltHex, keyHex] = stored.split(':');
  if (saltHex === undefined || keyHex === undefined) return false;
  const expected = Buffer.from(keyHex, 'hex');
  const actual = scryptSync(password, Buffer.from(saltHex, 'hex'), KEY_LENGTH, COST);
  return timingSafeEqual(expected, actual);
}
