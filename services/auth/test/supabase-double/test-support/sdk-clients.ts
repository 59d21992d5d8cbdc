// Real supabase-js clients aimed at the double, set up as a server-side adapter must use them.
import { createClient } from '@supabase/supabase-js';
import type { SupabaseDouble } from '../supabase-double.js';

export interface SdkClientOptions {
  /** `'anon'` (default), `'service'`, or a literal key. */
  readonly key?: string;
  readonly headers?: Record<string, string>;
  readonly fetch?: typeof fetch;
}

export type SdkClient = ReturnType<typeof createClient>;

/** One client per operation: sessions live inside the client instance. */
export function createSdkClient(double: SupabaseDouble, options: SdkClientOptions = {}): SdkClient {
  const key =
    options.key === undefined || options.key === 'anon'
      ? double.anonKey
      : options.key === 'service'
        ? double.serviceRoleKey
        : options.key;
  return createClient(double.url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: {
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    },
  });
}

/** Signs in through the SDK and returns the session, failing loudly otherwise. */
export async function signInSession(double: SupabaseDouble, email: string, password: string) {
  const { data, error } = await createSdkClient(double).auth.signInWithPassword({
    email,
    password,
  });
  if (error !== null) throw new Error(`sign-in failed: ${error.message}`);
  return data.session;
}

/** A client holding the user's session, as the MFA methods need (they use the stored session). */
export async function signedInClient(
  double: SupabaseDouble,
  email: string,
  password: string,
  options: SdkClientOptions = {},
): Promise<SdkClient> {
  const client = createSdkClient(double, options);
  const { error } = await client.auth.signInWithPassword({ email, password });
  if (error !== null) throw new Error(`sign-in failed: ${error.message}`);
  return client;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, `undefined` when empty or not JSON. */
  readonly json: unknown;
}

/** A plain fetch under `/auth/v1` with the anon `apikey` and no version header unless given. */
export async function rawRequest(
  double: SupabaseDouble,
  method: string,
  path: string,
  init: { readonly headers?: Record<string, string>; readonly body?: string } = {},
): Promise<RawResponse> {
  const response = await fetch(`${double.authUrl}${path}`, {
    method,
    headers: { apikey: double.anonKey, 'content-type': 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
