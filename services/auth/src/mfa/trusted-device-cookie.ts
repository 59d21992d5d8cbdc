// "Don't ask again on this device": a signed cookie naming a trusted-device record, bound to the
// user and to the device's fingerprint. Presented by another account or from another device, it
// does nothing; revoking the record (settings page, password reset, factor removal) ends it.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TrustedDeviceClaims {
  /** The trusted-device record's id (MfaStateStore). */
  readonly id: string;
  readonly userId: string;
  /** The fingerprint digest of the device it was issued to. */
  readonly fingerprint: string;
  readonly expiresAt: number;
}

const VERSION = 'td1';

export function trustedDeviceCookieName(secure: boolean): string {
  return secure ? '__Host-authflow_trusted_device' : 'authflow_trusted_device';
}

/** Signs and reads trusted-device cookies with an HMAC-SHA256 key only auth holds. */
export class TrustedDeviceCookie {
  readonly #key: Buffer;
  readonly name: string;
  readonly #secure: boolean;

  constructor(options: { key: Buffer; secure: boolean }) {
    if (options.key.length < 32) throw new Error('the trusted-device key must be 32 bytes or more');
    this.#key = options.key;
    this.#secure = options.secure;
    this.name = trustedDeviceCookieName(options.secure);
  }

  sign(claims: TrustedDeviceClaims): string {
    const body = [
      VERSION,
      claims.id,
      Buffer.from(claims.userId, 'utf8').toString('base64url'),
      claims.fingerprint,
      String(claims.expiresAt),
    ].join('.');
    return `${body}.${this.#mac(body)}`;
  }

  /**
   * The claims of a well-formed, correctly signed, unexpired cookie, else null. The caller still
   * checks the user, the device and that the record has not been revoked.
   */
  read(value: string | undefined, now = Date.now()): TrustedDeviceClaims | null {
    if (value === undefined || value.length > 1_024) return null;
    const parts = value.split('.');
    if (parts.length !== 6 || parts[0] !== VERSION) return null;
    const [, id = '', user = '', fingerprint = '', expires = '', mac = ''] = parts;
    const expected = Buffer.from(this.#mac(parts.slice(0, 5).join('.')), 'utf8');
    const presented = Buffer.from(mac, 'utf8');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    const expiresAt = Number(expires);
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return null;
    // The fingerprint digest has dots of its own ("v1:..."): it cannot, so the split holds.
    return {
      id,
      userId: Buffer.from(user, 'base64url').toString('utf8'),
      fingerprint,
      expiresAt,
    };
  }

  /** Set-Cookie attributes: HttpOnly, SameSite=Lax, Path=/, Secure in secure mode, lives until expiry. */
  attributes(expiresAt: number) {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.#secure,
      expires: new Date(expiresAt),
    };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}
