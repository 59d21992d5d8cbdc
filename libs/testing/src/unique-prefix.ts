// A key namespace per test, so suites sharing one Redis never see each other's keys.
import { randomBytes } from 'node:crypto';

export function uniquePrefix(label = 'test'): string {
  return `${label}:${randomBytes(6).toString('hex')}:`;
}
