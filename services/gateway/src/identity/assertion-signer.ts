// Signs the identity assertion backends verify (DESIGN.md §6), once per session and audience per half-life.
import type { SessionRecord } from '@authflow/sessions';
import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { SigningKeys } from './signing-keys.js';

export interface AssertionSignerOptions {
  readonly keys: SigningKeys;
  /** `iss`: the gateway's public URL. */
  readonly issuer: string;
  readonly ttlSeconds: number;
  /** Cached assertions kept at most. */
  readonly maxCached: number;
  readonly clock?: () => number;
}

interface CachedAssertion {
  readonly token: string;
  /** Epoch ms after which a fresh assertion is signed (half the lifetime). */
  readonly renewAt: number;
}

export class AssertionSigner {
  readonly #options: AssertionSignerOptions;
  readonly #cache: LRUCache<string, CachedAssertion>;
  readonly #pending = new Map<string, Promise<string>>();
  readonly #clock: () => number;

  constructor(options: AssertionSignerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#cache = new LRUCache({ max: options.maxCached });
  }

  /** The assertion for this session and upstream; reused while more than half its life remains. */
  assertionFor(session: SessionRecord, audience: string): Promise<string> {
    const cached = this.cachedAssertionFor(session, audience);
    if (cached !== undefined) return Promise.resolve(cached);
    const key = keyOf(session, audience);
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const signing = this.#sign(session, audience)
      .then((cachedAssertion) => {
        this.#cache.set(key, cachedAssertion);
        return cachedAssertion.token;
      })
      .finally(() => this.#pending.delete(key));
    this.#pending.set(key, signing);
    return signing;
  }

  /** The cached assertion while more than half its life remains, else `undefined` (no signing). */
  cachedAssertionFor(session: SessionRecord, audience: string): string | undefined {
    const cached = this.#cache.get(keyOf(session, audience));
    return cached !== undefined && cached.renewAt > this.#clock() ? cached.token : undefined;
  }

  async #sign(session: SessionRecord, audience: string): Promise<CachedAssertion> {
    const { keys, issuer, ttlSeconds } = this.#options;
    const now = this.#clock();
    const issuedAt = Math.floor(now / 1_000);
    const token = await new SignJWT({
      email: session.email,
      roles: [...session.roles],
      sid: session.id,
      // As the session records them (RFC 8176); a record from before issue 15 reads as `pwd`,
      // plus `mfa` at aal2 (the session schema derives it).
      amr: [...session.amr],
      // DESIGN.md §6: the assurance level, as `aal` and as OIDC's `acr`. A new session id (and so
      // a new cache entry here) comes with every step-up: a cached assertion never lags one.
      aal: session.aal,
      acr: session.aal,
      // Who vouched for the user: the identity provider, or the outside one signed in with.
      provider: session.provider,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.activeKid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(session.userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .sign(keys.privateKey);
    return { token, renewAt: now + (ttlSeconds * 1_000) / 2 };
  }
}

/** One cached assertion per session and audience. */
function keyOf(session: SessionRecord, audience: string): string {
  return `${session.id}\u0000${audience}`;
}
