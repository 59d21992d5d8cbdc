// The user's phone in browser tests: TOTP codes from the key an enrollment page shows, made with
// `otpauth` as an app would (not with the auth service's own code), never twice for one time step.
import { setTimeout as sleep } from 'node:timers/promises';
import { Secret, TOTP } from 'otpauth';

/** What an app assumes for a key typed in by hand: SHA-1, 6 digits, 30 s steps. */
const PERIOD_MS = 30_000;

export class AuthenticatorApp {
  readonly #totp: TOTP;
  #lastStep = -Infinity;

  /** `secret`: the base32 key as shown, spaces and all. */
  constructor(secret: string) {
    this.#totp = new TOTP({
      secret: Secret.fromBase32(secret.replace(/\s+/gu, '')),
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD_MS / 1_000,
    });
  }

  /**
   * The code for now; when now's step was used already, the next step's. The server accepts one
   * step either side of its clock and each step once, so a second code within the same 30 s
   * is the next step's, not a replay. A third would be two steps ahead: wait for it instead.
   */
  async nextCode(): Promise<string> {
    const step = Math.max(this.#step(Date.now()), this.#lastStep + 1);
    const wait = (step - 1) * PERIOD_MS - Date.now();
    if (wait > 0) await sleep(wait + 100);
    this.#lastStep = step;
    return this.#totp.generate({ timestamp: step * PERIOD_MS });
  }

  #step(now: number): number {
    return Math.floor(now / PERIOD_MS);
  }
}
