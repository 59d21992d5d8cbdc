// The user's own Supabase session, as AuthFlow keeps it to call Supabase's MFA API for them.

/** Never leaves the server: kept sealed in the provider-session vault, never sent to a browser. */
export interface ProviderSession {
  readonly accessToken: string;
  /** Single use at Supabase: every refresh rotates it. */
  readonly refreshToken: string;
  /** When the access token expires, epoch milliseconds. */
  readonly expiresAt: number;
}

/** The session fields of a supabase-js `Session` (or a GoTrue access-token response). */
export interface SupabaseSessionFields {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
  /** Unix seconds; auth-js fills it in from `expires_in` when GoTrue leaves it out. */
  readonly expires_at?: number | undefined;
}

export function toProviderSession(session: SupabaseSessionFields, now: number): ProviderSession {
  return {
    accessToken: session.access_token,
    refreshToken: session.refresh_token,
    expiresAt:
      session.expires_at === undefined
        ? now + session.expires_in * 1000
        : session.expires_at * 1000,
  };
}
