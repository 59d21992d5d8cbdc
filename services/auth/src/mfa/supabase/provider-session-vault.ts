// Kept Supabase sessions, sealed at rest in the MFA state store under a pending sign-in's id or an
// AuthFlow session id, and refreshed (tokens rotated, re-kept) before their access token runs out.
import { z } from 'zod';
import type { MfaStateStore } from '../mfa-ports.js';
import type { ProviderSession } from './provider-session.js';

/** supabase-js refreshes by itself within 90 s of expiry (EXPIRY_MARGIN_MS); the vault goes first. */
const DEFAULT_REFRESH_MARGIN_MS = 120_000;

export interface ProviderSessionVaultOptions {
  readonly store: Pick<MfaStateStore, 'putSecret' | 'getSecret' | 'deleteSecret'>;
  /** Encrypts (AES-GCM secret box); `aad` binds the value to its key in the store. */
  readonly seal: (text: string, aad: string) => string;
  /** Decrypts; throws when the value does not open (tampered, other key, other `aad`). */
  readonly open: (sealed: string, aad: string) => string;
  /**
   * A new session for a refresh token (Supabase's refresh grant); `null` when Supabase no longer
   * has the session (signed out, token reused, user gone). Throws when Supabase cannot be reached.
   */
  readonly refresh: (refreshToken: string) => Promise<ProviderSession | null>;
  /** Best effort end of a forgotten session at the provider; none: it is only dropped here. */
  readonly revoke?: (session: ProviderSession) => Promise<void>;
  /** Refresh when the access token expires within this; keep it above supabase-js's 90 s. */
  readonly refreshMarginMs?: number;
  readonly clock?: () => number;
}

/** What is sealed: the session and until when it is kept (so a re-keep keeps the same end). */
const keptSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  expiresAt: z.number(),
  keptUntil: z.number(),
});
type Kept = z.infer<typeof keptSchema>;

export class ProviderSessionVault {
  readonly #o: ProviderSessionVaultOptions;
  readonly #clock: () => number;
  readonly #margin: number;
  /** One refresh per key at a time in this process: a second would present a spent token. */
  readonly #refreshing = new Map<string, Promise<ProviderSession | null>>();

  constructor(options: ProviderSessionVaultOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  }

  /** Keeps `session` under `key` for `ttlMs`, replacing what was there. */
  async keep(key: string, session: ProviderSession, ttlMs: number): Promise<void> {
    await this.#put(key, { ...plain(session), keptUntil: this.#clock() + ttlMs });
  }

  /**
   * Re-keys a kept session (a pending sign-in's id → its AuthFlow session id, an old session id →
   * the new one after step-up) for `ttlMs`; nothing happens when none is kept under `fromKey`.
   */
  async move(fromKey: string, toKey: string, ttlMs: number): Promise<void> {
    if (fromKey === toKey) return;
    const kept = await this.#read(fromKey);
    if (kept === null) return;
    await this.#put(toKey, { ...kept, keptUntil: this.#clock() + ttlMs });
    await this.#o.store.deleteSecret(fromKey);
  }

  /**
   * Drops the kept session, and ends it at the provider when a `revoke` was given. That part is
   * best effort: once the tokens are gone here nobody can use the session, so a sign-out does not
   * fail because Supabase is unreachable.
   */
  async forget(key: string): Promise<void> {
    const kept = await this.#read(key);
    await this.#o.store.deleteSecret(key);
    if (kept !== null) await this.#o.revoke?.(plain(kept)).catch(() => undefined);
  }

  /**
   * The kept session, refreshed first (and re-kept) when its access token is expired or about
   * to; `null` when none is kept or Supabase no longer has it (then it is dropped).
   */
  async current(key: string): Promise<ProviderSession | null> {
    const kept = await this.#read(key);
    if (kept === null) return null;
    if (kept.expiresAt - this.#clock() > this.#margin) return plain(kept);
    const inFlight = this.#refreshing.get(key);
    if (inFlight !== undefined) return inFlight;
    const refreshing = this.#refreshKept(key, kept).finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, refreshing);
    return refreshing;
  }

  /**
   * Replaces the session kept under `key`, for the rest of its time (Supabase answered a
   * verify with a new, aal2 session). Nothing happens when the key is no longer kept.
   */
  async renew(key: string, session: ProviderSession): Promise<void> {
    const kept = await this.#read(key);
    if (kept === null) return;
    await this.#put(key, { ...plain(session), keptUntil: kept.keptUntil });
  }

  async #refreshKept(key: string, kept: Kept): Promise<ProviderSession | null> {
    const fresh = await this.#o.refresh(kept.refreshToken);
    if (fresh === null) {
      await this.#o.store.deleteSecret(key);
      return null;
    }
    await this.#put(key, { ...plain(fresh), keptUntil: kept.keptUntil });
    return fresh;
  }

  async #read(key: string): Promise<Kept | null> {
    const sealed = await this.#o.store.getSecret(key);
    if (sealed === null) return null;
    try {
      const parsed = keptSchema.safeParse(JSON.parse(this.#o.open(sealed, aadFor(key))));
      // Past its time it is not kept, whatever the store still holds.
      if (parsed.success && parsed.data.keptUntil > this.#clock()) return parsed.data;
    } catch {
      // Not openable (tampered, sealed under another key, a retired encryption key): unusable.
    }
    await this.#o.store.deleteSecret(key);
    return null;
  }

  async #put(key: string, kept: Kept): Promise<void> {
    const ttlMs = kept.keptUntil - this.#clock();
    if (ttlMs <= 0) return;
    await this.#o.store.putSecret(key, this.#o.seal(JSON.stringify(kept), aadFor(key)), ttlMs);
  }
}

/** Bound to the store key, so a sealed session copied under another key does not open there. */
function aadFor(key: string): string {
  return `authflow:provider-session:${key}`;
}

function plain(session: ProviderSession): ProviderSession {
  return {
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    expiresAt: session.expiresAt,
  };
}
