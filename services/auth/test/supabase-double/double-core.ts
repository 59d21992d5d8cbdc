// Everything a route handler of the double needs: settings, clock, signing key and the state stores.
import { createClock, type Clock } from './clock.js';
import { createMailbox, type Mailbox } from './mailbox.js';
import { createOAuthState, type OAuthState } from './oauth.js';
import { createOneTimeTokenStore, type OneTimeTokenStore } from './one-time-tokens.js';
import { createSessionStore, type SessionStore } from './session-store.js';
import {
  applySettingsPatch,
  DEFAULT_SETTINGS,
  type DoubleSettings,
  type SettingsPatch,
} from './settings.js';
import type { TokenSigner } from './token-signer.js';
import { createUserStore, type UserStore } from './user-store.js';

export interface ApiKeys {
  readonly anonKey: string;
  readonly serviceRoleKey: string;
}

export interface DoubleCore {
  /** `iss` of access tokens: `<url>/auth/v1`. */
  readonly issuer: string;
  readonly keys: ApiKeys;
  readonly signer: TokenSigner;
  readonly clock: Clock;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: OneTimeTokenStore;
  readonly mailbox: Mailbox;
  /** OAuth outcomes queued by tests, flow states waiting for their code exchange. */
  readonly oauth: OAuthState;
  settings(): DoubleSettings;
  configure(patch: SettingsPatch): void;
  /** Drops all state and goes back to the start-up settings and real time. */
  reset(): void;
}

export interface DoubleCoreInit {
  readonly issuer: string;
  readonly keys: ApiKeys;
  readonly signer: TokenSigner;
  readonly settings?: SettingsPatch;
}

export function createDoubleCore(init: DoubleCoreInit): DoubleCore {
  const initialSettings = applySettingsPatch(DEFAULT_SETTINGS, init.settings ?? {});
  let settings = initialSettings;
  const core: DoubleCore = {
    issuer: init.issuer,
    keys: init.keys,
    signer: init.signer,
    clock: createClock(),
    users: createUserStore(),
    sessions: createSessionStore(),
    tokens: createOneTimeTokenStore(),
    mailbox: createMailbox(),
    oauth: createOAuthState(),
    settings: () => settings,
    configure: (patch) => {
      settings = applySettingsPatch(settings, patch);
    },
    reset: () => {
      settings = initialSettings;
      core.clock.setOffset(0);
      core.users.clear();
      core.sessions.clear();
      core.tokens.clear();
      core.mailbox.clear();
      core.oauth.clear();
    },
  };
  return core;
}
