// Test-only: asserts that a verification was refused with an AssertionError of a given code.
import { expect } from 'vitest';
import { AssertionError, type AssertionErrorCode } from '../assertion-error.js';

export async function expectRefused(
  verification: Promise<unknown>,
  code: AssertionErrorCode,
): Promise<AssertionError> {
  const outcome: unknown = await verification.then(
    (identity: unknown) => ({ accepted: identity }),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(AssertionError);
  expect(outcome).toMatchObject({ code });
  return outcome as AssertionError;
}
