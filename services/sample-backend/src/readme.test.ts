import { readFile } from 'node:fs/promises';
import { readErrorTable } from '@authflow/errors';
import { documentedVariables, registeredErrors } from '@authflow/testing';
import { describe, expect, it } from 'vitest';
import { sampleBackendEnvVariables } from './config/config.schema.js';
import { sampleBackendErrors } from './errors/sample-backend-errors.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

describe('the sample backend README', () => {
  it('lists exactly the registry error codes, with their statuses', () => {
    const documented = readErrorTable(readme).sort((a, b) => a.code.localeCompare(b.code));
    expect(documented).toEqual(registeredErrors(sampleBackendErrors));
  });

  it('documents every environment variable the service reads, and no other', () => {
    expect(documentedVariables(readme)).toEqual(
      Object.keys(sampleBackendEnvVariables.shape).sort(),
    );
  });

  it('documents the CSP the page is served with', async () => {
    const { HOME_PAGE_HEADERS } = await import('./pages/home-page.js');
    const documented = /`(Content-Security-Policy: [^`]+)`/u.exec(readme.replace(/\n/gu, ' '));
    expect(documented?.[1]).toBe(
      `Content-Security-Policy: ${HOME_PAGE_HEADERS['content-security-policy']}`,
    );
  });
});
