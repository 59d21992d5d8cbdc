// Opens a session at sign-in: fingerprint, a fresh token, the device record, a new-device notice.
import {
  computeFingerprint,
  describeDevice,
  deviceIdOf,
  fingerprintInputFromHeaders,
  type IpGranularity,
} from '@authflow/fingerprint';
import type { CreatedSession, SessionStore } from '@authflow/sessions';
import type { FastifyRequest } from 'fastify';
import type { Branding } from '../branding.js';
import type { IdentityUser } from '../identity/identity-provider.js';
import { newDeviceMail } from '../mail/mail-templates.js';
import type { Mailer } from '../mail/mailer.js';

export interface SessionIssuerOptions {
  readonly store: SessionStore;
  readonly mailer: Mailer;
  readonly branding: Branding;
  readonly provider: string;
  /** Must equal the gateway's (AUTHFLOW_FINGERPRINT_IP_GRANULARITY): both compute the same digest. */
  readonly ipGranularity: IpGranularity;
}

/** The assurance a new session starts with: a password alone, or a password and a second factor. */
export interface SessionLevel {
  readonly aal: 'aal1' | 'aal2';
  readonly amr: readonly string[];
  readonly mfaAt: number | null;
  /** Who vouched for the user when not the identity provider itself: an outside provider's id. */
  readonly provider?: string;
}

const PASSWORD_ONLY: SessionLevel = { aal: 'aal1', amr: ['pwd'], mfaAt: null };

export class SessionIssuer {
  readonly #options: SessionIssuerOptions;

  constructor(options: SessionIssuerOptions) {
    this.#options = options;
  }

  /** A new session for `user` bound to this request's device. Any token the request presented is ignored. */
  async issue(
    user: IdentityUser,
    request: Pick<FastifyRequest, 'headers' | 'ip' | 'log'>,
    level: SessionLevel = PASSWORD_ONLY,
  ): Promise<CreatedSession> {
    const userAgent = request.headers['user-agent'] ?? '';
    const fingerprint = computeFingerprint(
      fingerprintInputFromHeaders(request.headers, request.ip),
      {
        ipGranularity: this.#options.ipGranularity,
      },
    );
    const deviceLabel = describeDevice(userAgent);
    const created = await this.#options.store.create({
      userId: user.id,
      email: user.email,
      roles: user.roles,
      provider: level.provider ?? this.#options.provider,
      fingerprint,
      ip: request.ip,
      userAgent,
      deviceLabel,
      aal: level.aal,
      amr: level.amr,
      mfaAt: level.mfaAt ?? undefined,
      emailVerified: user.emailVerified,
    });
    const { firstSeen, knownDevices } = await this.#options.store.recordDeviceSeen(
      user.id,
      deviceIdOf(fingerprint),
    );
    // No notice for the very first device of an account: there is nothing to compare with.
    if (firstSeen && knownDevices > 0) {
      // Queued (the mail queue retries it); the session exists already, so a notice that cannot
      // even be queued is logged instead of failing the sign-in.
      await this.#options.mailer
        .send(
          newDeviceMail(this.#options.branding, {
            to: user.email,
            deviceLabel,
            ip: request.ip,
            when: new Date(created.session.createdAt),
          }),
        )
        .catch((error: unknown) =>
          request.log.warn(
            { kind: 'new_device', code: (error as { code?: unknown } | null)?.code },
            'the new-device notice could not be queued',
          ),
        );
    }
    request.log.info(
      {
        audit: true,
        event: 'login.succeeded',
        userId: user.id,
        sessionId: created.session.id,
        ip: request.ip,
        device: deviceLabel,
        newDevice: firstSeen,
      },
      'signed in',
    );
    return created;
  }
}
