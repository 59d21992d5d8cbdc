import { readFile } from 'node:fs/promises';
import { readErrorTable } from '@authflow/errors';
import { describe, expect, it } from 'vitest';
import { authEnvVariables } from '../src/config/config.schema.js';
import { authErrors } from '../src/errors/auth-errors.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

describe('the auth README', () => {
  it('lists exactly the registry error codes, with their statuses', () => {
    const documented = readErrorTable(readme).sort((a, b) => a.code.localeCompare(b.code));
    const registered = Object.entries(authErrors.definitions)
      .map(([code, { status }]) => ({ code, status }))
      .sort((a, b) => a.code.localeCompare(b.code));
    expect(documented).toEqual(registered);
  });

  it('documents every environment variable the service reads, and no other', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` +\|/gmu)]
      .map((match) => match[1])
      .sort();
    expect(documented).toEqual(Object.keys(authEnvVariables.shape).sort());
  });
});
