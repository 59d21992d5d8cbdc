// Vitest fixture: one double per test file, reset before each test, checked for internal errors after.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  startSupabaseDouble,
  type SupabaseDouble,
  type SupabaseDoubleOptions,
} from '../supabase-double.js';

/** Registers the hooks and returns a getter (the double exists only once `beforeAll` ran). */
export function useSupabaseDouble(options?: SupabaseDoubleOptions): () => SupabaseDouble {
  let double: SupabaseDouble | undefined;
  beforeAll(async () => {
    double = await startSupabaseDouble(options);
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
    if (double === undefined) throw new Error('supabase double not started yet');
    return double;
  };
}
