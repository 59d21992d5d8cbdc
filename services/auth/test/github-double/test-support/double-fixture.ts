// Vitest fixture: one double per test file, reset before each test, checked for internal errors after.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { type GitHubDouble, type GitHubDoubleClient, startGitHubDouble } from '../github-double.js';

/** Registers the hooks and returns a getter (the double exists only once `beforeAll` ran). */
export function useGitHubDouble(options: {
  readonly clients: readonly GitHubDoubleClient[];
}): () => GitHubDouble {
  let double: GitHubDouble | undefined;
  beforeAll(async () => {
    double = await startGitHubDouble(options);
  });
  afterAll(async () => {
    await double?.close();
  });
  beforeEach(() => {
    double?.reset();
  });
  afterEach(() => {
    expect(double?.internalErrors()).toEqual([]);
  });
  return () => {
    if (double === undefined) throw new Error('github double not started yet');
    return double;
  };
}
