// The security settings page: authenticator apps, email codes, recovery codes, trusted devices,
// and the sign-in providers linked to the account (their link and unlink posts are federation's).
// Sensitive changes need a recent second factor: the error handler sends those to the challenge
// (page-errors.ts), which comes back here.
import { isAuthflowError } from '@authflow/errors';
import { trustedHtml } from '@authflow/html';
import { loginRedirect } from '@authflow/handoff';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { clientFactsOf } from '../api/client-facts.js';
import type { MfaFlows } from '../mfa/mfa-flows.js';
import type { Caller } from '../sessions/caller.js';
import {
  AUTH_PATHS,
  FACTOR_LABEL_MAX_LENGTH,
  renderRecoveryCodesPage,
  renderSecurityPage,
  renderTotpEnrollmentPage,
  type SectionError,
} from '../pages/index.js';
import { refusalOf } from './page-errors.js';
import { pageContext, sendPage, sendRefusal } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/u);
const enrollForm = z.object({ label: z.string().trim().max(FACTOR_LABEL_MAX_LENGTH).optional() });
const confirmForm = z.object({ factor_id: id, code: z.string().max(64) });
const factorForm = z.object({ factor_id: id });
const emailForm = z.object({ enabled: z.enum(['true', 'false']) });
const deviceForm = z.object({ device_id: id });
const NOTICES: ReadonlyMap<unknown, string> = new Map([
  ['totp_added', 'Your authenticator app is set up.'],
  [
    'totp_removed',
    'The authenticator app was removed. Trusted devices were signed out of the shortcut.',
  ],
  ['email_on', 'Codes by email are on.'],
  ['email_off', 'Codes by email are off.'],
  ['device_revoked', 'That device will be asked for a second factor again.'],
  ['devices_revoked', 'Every device will be asked for a second factor again.'],
  ['needed', 'The page you asked for needs a second factor. Set one up first.'],
  ['identity_linked', 'The provider is linked: it can open your account now.'],
  ['identity_unlinked', 'The provider was unlinked.'],
]);

export function securityRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { flows, cookies, branding } = options;
  const mfa = flows.mfa;
  if (mfa === undefined) {
    done();
    return;
  }
  const back = (notice: string) => `${AUTH_PATHS.security}?notice=${notice}`;

  /** The sign-in providers section, only where AuthFlow keeps the links (Supabase keeps its own). */
  const signInProvidersOf = async (userId: string) => {
    const federation = options.federation;
    if (federation?.managesLinks !== true) return undefined;
    return { identities: await federation.identities(userId), providers: federation.buttons() };
  };

  async function securityPage(
    reply: FastifyReply,
    caller: Caller,
    flows: MfaFlows,
    extra: { notice?: string | undefined; error?: SectionError } = {},
  ): Promise<string> {
    const [overview, signInProviders] = await Promise.all([
      flows.overview(caller),
      signInProvidersOf(caller.session.userId),
    ]);
    return renderSecurityPage(pageContext(reply, branding), {
      email: caller.session.email,
      totpFactors: [...overview.totpFactors, ...overview.pendingTotp],
      emailFactor: overview.emailFactor,
      recoveryCodesLeft: overview.recoveryCodesLeft,
      trustedDevices: overview.trustedDevices,
      signInProviders,
      ...extra,
    });
  }

  app.get(AUTH_PATHS.security, async (request, reply) => {
    const caller = await flows.callers.resolve(request).catch(() => null);
    if (caller === null)
      return reply.redirect(loginRedirect(AUTH_PATHS.security, options.handoffSecret), 302);
    return sendPage(
      reply,
      await securityPage(reply, caller, mfa, {
        notice: NOTICES.get((request.query as { notice?: unknown }).notice),
      }),
    );
  });

  app.post(AUTH_PATHS.totpEnroll, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const form = enrollForm.safeParse(request.body);
    const label = form.success && form.data.label ? form.data.label : 'Authenticator app';
    const enrollment = await mfa.beginTotp(caller, label);
    return sendPage(
      reply,
      renderTotpEnrollmentPage(pageContext(reply, branding), {
        factorId: enrollment.factorId,
        label: enrollment.label,
        secret: enrollment.secret,
        uri: enrollment.uri,
        qrSvg: trustedHtml(await mfa.qrCode(enrollment.uri)),
      }),
    );
  });

  app.post(AUTH_PATHS.totpConfirm, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const form = confirmForm.safeParse(request.body);
    if (!form.success) return reply.redirect(AUTH_PATHS.security, 303);
    const confirmed = await mfa
      .confirmTotp(caller, form.data.factor_id, form.data.code, clientFactsOf(request))
      .catch(refusalOf);
    if (isAuthflowError(confirmed)) {
      const shown = await mfa.enrollmentAgain(caller, form.data.factor_id);
      if (shown === null)
        return sendRefusal(
          reply,
          confirmed,
          await securityPage(reply, caller, mfa, {
            error: { section: 'totp', message: 'That took too long. Set up the app again.' },
          }),
        );
      return sendRefusal(
        reply,
        confirmed,
        renderTotpEnrollmentPage(pageContext(reply, branding), {
          factorId: shown.factorId,
          label: shown.label,
          secret: shown.secret,
          uri: shown.uri,
          qrSvg: trustedHtml(await mfa.qrCode(shown.uri)),
          error: confirmed.message,
        }),
      );
    }
    // Confirming the app proved it: the session is now aal2, under a new cookie.
    cookies.set(reply, confirmed.elevated.token);
    if (confirmed.recoveryCodes === null) return reply.redirect(back('totp_added'), 303);
    return sendPage(
      reply,
      renderRecoveryCodesPage(pageContext(reply, branding), {
        codes: confirmed.recoveryCodes,
        reason: 'enrolled',
      }),
    );
  });

  app.post(AUTH_PATHS.totpRemove, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const form = factorForm.safeParse(request.body);
    if (form.success) await mfa.removeTotp(caller, form.data.factor_id, clientFactsOf(request));
    return reply.redirect(back('totp_removed'), 303);
  });

  app.post(AUTH_PATHS.emailFactor, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const form = emailForm.safeParse(request.body);
    if (!form.success) return reply.redirect(AUTH_PATHS.security, 303);
    if (form.data.enabled === 'false') {
      await mfa.disableEmailFactor(caller, clientFactsOf(request));
      return reply.redirect(back('email_off'), 303);
    }
    const codes = await mfa.enableEmailFactor(caller, clientFactsOf(request));
    if (codes === null) return reply.redirect(back('email_on'), 303);
    return sendPage(
      reply,
      renderRecoveryCodesPage(pageContext(reply, branding), { codes, reason: 'enrolled' }),
    );
  });

  app.post(AUTH_PATHS.regenerateRecoveryCodes, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const codes = await mfa.regenerateRecoveryCodes(caller, clientFactsOf(request));
    return sendPage(
      reply,
      renderRecoveryCodesPage(pageContext(reply, branding), { codes, reason: 'regenerated' }),
    );
  });

  app.post(AUTH_PATHS.revokeTrustedDevice, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const form = deviceForm.safeParse(request.body);
    // A device already gone changes nothing to report.
    if (form.success)
      await mfa
        .revokeTrustedDevice(caller, form.data.device_id, clientFactsOf(request))
        .catch(() => undefined);
    return reply.redirect(back('device_revoked'), 303);
  });

  app.post(AUTH_PATHS.revokeAllTrustedDevices, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    await mfa.endTrustedDevices(caller.session.userId, 'user', clientFactsOf(request));
    return reply.redirect(back('devices_revoked'), 303);
  });
  done();
}
