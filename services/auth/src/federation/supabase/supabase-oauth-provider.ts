// Sign-in with an external provider through Supabase's own OAuth (PKCE via supabase-js): the
// provider, its consent and the linking of identities are Supabase's; AuthFlow gets Supabase's user.
import {
  AuthClient,
  isAuthApiError,
  isAuthRetryableFetchError,
  type GoTrueClient,
  type Provider,
  type SupportedStorage,
  type User,
} from '@supabase/supabase-js';
import { toIdentityUser } from '../../identity/supabase/supabase-users.js';
import { type ProviderSession, toProviderSession } from '../../mfa/supabase/provider-session.js';
import {
  type AuthorizationStart,
  type ExternalProfile,
  type ExternalProvider,
  FederationError,
  type FlowSecrets,
} from '../external-provider.js';

export interface SupabaseOAuthProviderOptions {
  /** The id in the providers file. */
  readonly id: string;
  /** The provider's name in Supabase (`github`, `google`, `azure`...), enabled in the project. */
  readonly supabaseProvider: string;
  /** The project URL, e.g. `https://abcd.supabase.co` (the auth API is at `/auth/v1`). */
  readonly url: string;
  /** Publishable (`sb_publishable_…`) or legacy anon key: the code exchange is a user-level call. */
  readonly anonKey: string;
  /** Added to the provider's default scopes by Supabase. */
  readonly scopes?: readonly string[];
  /** Deadline of the code exchange (default 10 s); past it, the provider counts as unavailable. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** The storage key of this adapter's clients: the verifier slots are named after it. */
const STORAGE_KEY = 'sb-authflow-oauth';
/** The flow slot the exchange reads (supabase-js reads only that slot when given a flow id). */
const EXCHANGE_FLOW_ID = 'authflow-exchange';
/** The code, its flow state or the verifier did not check out: the callback is not a valid one. */
const INVALID_CODE = new Set([
  'flow_state_not_found',
  'flow_state_expired',
  'bad_code_verifier',
  'validation_failed',
]);

export class SupabaseOAuthProvider implements ExternalProvider {
  readonly kind = 'supabase' as const;
  readonly id: string;
  readonly #options: SupabaseOAuthProviderOptions;

  constructor(options: SupabaseOAuthProviderOptions) {
    this.id = options.id;
    this.#options = options;
  }

  /**
   * `redirectUri` carries AuthFlow's `?state=`; Supabase keeps that query when it adds `code`, so
   * the project's redirect allow list must accept the URI with its query (e.g. a `**` glob).
   */
  async start(input: { redirectUri: string; state: string }): Promise<AuthorizationStart> {
    const storage = new FlowStorage();
    const scopes = this.#options.scopes ?? [];
    const { data, error } = await this.#client(storage).signInWithOAuth({
      // The providers file checks the name's shape; Supabase refuses names it does not enable.
      provider: this.#options.supabaseProvider as Provider,
      options: {
        redirectTo: input.redirectUri,
        skipBrowserRedirect: true,
        ...(scopes.length > 0 ? { scopes: scopes.join(' ') } : {}),
      },
    });
    // signInWithOAuth sends nothing; it fails only when storing the verifier does.
    if (error !== null)
      throw new Error('supabase-js could not start the OAuth flow', { cause: error });
    const codeVerifier = storage.verifier(data.flowId);
    if (codeVerifier === null) throw new Error('supabase-js stored no PKCE verifier for the flow');
    return { url: data.url, secrets: { state: input.state, codeVerifier } };
  }

  async complete(input: {
    callbackUrl: URL;
    redirectUri: string;
    secrets: FlowSecrets;
  }): Promise<ExternalProfile> {
    const params = input.callbackUrl.searchParams;
    const refusal = params.get('error');
    if (refusal !== null) {
      const code = params.get('error_code');
      const detail = code === null ? refusal : `${refusal} (${code})`;
      throw new FederationError('provider_refused', `callback: ${printable(detail)}`);
    }
    if (params.get('state') !== input.secrets.state) {
      throw new FederationError('invalid_callback', 'callback: state does not match the flow');
    }
    const code = params.get('code');
    if (code === null || code === '') {
      throw new FederationError('invalid_callback', 'callback: no code');
    }
    const storage = FlowStorage.holding(input.secrets.codeVerifier);
    let user: User;
    let session: ProviderSession;
    try {
      const { data, error } = await this.#client(storage).exchangeCodeForSession(code, {
        flowId: EXCHANGE_FLOW_ID,
      });
      if (error !== null) throw error;
      user = data.user;
      session = toProviderSession(data.session, Date.now());
    } catch (error) {
      throw federationErrorOf(error);
    }
    // Kept by the flows while a second factor is due or the AuthFlow session lives (Supabase's
    // MFA API needs the user's own session), and ended with it.
    return { ...this.#profileOf(user), providerSession: session };
  }

  #profileOf(user: User): ExternalProfile {
    const account = toIdentityUser(user);
    const email = account.email === '' ? undefined : account.email;
    return {
      provider: this.id,
      subject: user.id,
      email,
      emailVerified: email !== undefined && account.emailVerified,
      name: nameOf(user.user_metadata),
      groups: [],
      amr: ['fed'],
      account,
    };
  }

  /** A fresh client per call, persisting into `storage` only (the flow's verifier, nothing shared). */
  #client(storage: FlowStorage): GoTrueClient {
    const { url, anonKey } = this.#options;
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const baseFetch = this.#options.fetch ?? fetch;
    return new AuthClient({
      url: `${url.replace(/\/+$/u, '')}/auth/v1`,
      headers: { apikey: anonKey, Authorization: `Bearer ${anonKey}` },
      flowType: 'pkce',
      storageKey: STORAGE_KEY,
      storage,
      // Without persistSession supabase-js keeps the verifier in a memory of its own.
      persistSession: true,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      // Every request is cut at the timeout: the SDK reports it as a retryable fetch error.
      fetch: (resource, init) =>
        baseFetch(resource, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }
}

/**
 * One flow's supabase-js storage, in memory: `start` reads the verifier supabase-js wrote, the
 * exchange gets it back in the slot it reads. Values are JSON, as supabase-js writes them.
 */
class FlowStorage implements SupportedStorage {
  readonly isServer = true;
  readonly #items = new Map<string, string>();

  static holding(codeVerifier: string): FlowStorage {
    const storage = new FlowStorage();
    storage.setItem(slotKey(EXCHANGE_FLOW_ID), JSON.stringify(codeVerifier));
    return storage;
  }

  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }

  removeItem(key: string): void {
    this.#items.delete(key);
  }

  /** The flow's slot, else the legacy key (reference 10.1); `null` when neither holds a string. */
  verifier(flowId: string | null | undefined): string | null {
    const raw =
      (flowId ? this.getItem(slotKey(flowId)) : null) ??
      this.getItem(`${STORAGE_KEY}-code-verifier`);
    if (raw === null) return null;
    const value: unknown = JSON.parse(raw);
    return typeof value === 'string' && value !== '' ? value : null;
  }
}

function slotKey(flowId: string): string {
  return `${STORAGE_KEY}-flow-${flowId}-code-verifier`;
}

/**
 * The exchange's failure in the flow's terms, by error class and code, never by message. Details
 * name codes and statuses only: no code, verifier or token reaches a log.
 */
function federationErrorOf(error: unknown): FederationError {
  if (isAuthRetryableFetchError(error)) {
    const status = error.status === 0 ? 'no answer' : `status ${error.status}`;
    return new FederationError('provider_unavailable', `code exchange: ${status}`, {
      cause: error,
    });
  }
  if (isAuthApiError(error) && INVALID_CODE.has(error.code ?? '')) {
    return new FederationError('invalid_callback', `code exchange: ${error.code}`, {
      cause: error,
    });
  }
  const name = error instanceof Error ? error.name : 'error';
  if (name === 'AuthPKCECodeVerifierMissingError') {
    return new FederationError('invalid_callback', 'code exchange: no code verifier', {
      cause: error,
    });
  }
  // Anything else (429, a bad key, a body that is not a session) is Supabase's to fix.
  const status = (error as { status?: unknown } | null)?.status;
  const code = (error as { code?: unknown } | null)?.code;
  const facts = [
    name,
    typeof status === 'number' ? String(status) : '',
    typeof code === 'string' ? printable(code) : '',
  ].filter((fact) => fact !== '');
  return new FederationError('provider_unavailable', `code exchange: ${facts.join(' ')}`, {
    cause: error,
  });
}

/** `full_name` (GitHub, Google), else `name`. */
function nameOf(metadata: User['user_metadata']): string | undefined {
  for (const key of ['full_name', 'name']) {
    const value: unknown = metadata[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/** A callback parameter fit for a log line: short, printable. */
function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/gu, '?').slice(0, 120);
}
