import { readFile } from 'node:fs/promises';
import { gatewayDeprecatedNames } from '@authflow/config';
import { readErrorTable } from '@authflow/errors';
import { documentedVariables, registeredErrors } from '@authflow/testing';
import { describe, expect, it } from 'vitest';
import { gatewayEnvVariables } from './config/config.schema.js';
import { gatewayErrors } from './errors/gateway-errors.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

describe('the gateway README', () => {
  it('lists exactly the registry error codes, with their statuses', () => {
    const documented = readErrorTable(readme).sort((a, b) => a.code.localeCompare(b.code));
    expect(documented).toEqual(registeredErrors(gatewayErrors));
  });

  it('documents every environment variable the gateway reads, and no other', () => {
    expect(documentedVariables(readme)).toEqual(Object.keys(gatewayEnvVariables.shape).sort());
  });

  it('names every deprecated setting the gateway still reads, in its "Deprecated names" note', () => {
    const note = /\*\*Deprecated names\.\*\*([^]*?)\n\n/u.exec(readme)?.[1] ?? '';
    const named = [...note.matchAll(/`(GATEWAY_[A-Z0-9_]+)`/gu)].map((match) => match[1]).sort();
    expect(named).toEqual(Object.keys(gatewayDeprecatedNames).sort());
  });
});
