import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ASSERTION_ERROR_CODES,
  AssertionError,
  isAssertionError,
  isRetryableAssertionError,
} from './assertion-error.js';

describe('AssertionError', () => {
  it('carries its code, message and cause', () => {
    const cause = new Error('fetch failed');
    const error = new AssertionError('keys_unavailable', 'no keys', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'AssertionError', code: 'keys_unavailable', cause });
    expect(error.message).toBe('no keys');
  });

  it('tells only keys_unavailable apart as retryable', () => {
    const retryable = ASSERTION_ERROR_CODES.filter((code) =>
      isRetryableAssertionError(new AssertionError(code, code)),
    );
    expect(retryable).toEqual(['keys_unavailable']);
    expect(isRetryableAssertionError(new Error('keys_unavailable'))).toBe(false);
    expect(isAssertionError({ code: 'expired' })).toBe(false);
  });

  it('is documented code for code in the README error table', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('\n## Error codes\n');
    const table = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const documented = [...table.matchAll(/^\| `([a-z_]+)` +\|/gmu)].map((match) => match[1]);
    expect(documented).toEqual([...ASSERTION_ERROR_CODES]);
  });
});
