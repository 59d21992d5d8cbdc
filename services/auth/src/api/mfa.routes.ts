// The second-factor JSON API under /api/v1/simple_auth/mfa (README: "Second factors").
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authErrors } from '../errors/auth-errors.js';
import type { AccountFlows } from '../flows/account-flows.js';
import type { MfaCookies } from '../mfa/mfa-cookies.js';
import type { FactorSummary, TrustedDevice } from '../mfa/mfa-ports.js';
import { jsonStateChange } from '../security/request-origin.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import type { Caller } from '../sessions/caller.js';
import { clientFactsOf } from './client-facts.js';
import { parseInput } from './validation.js';

export interface MfaRoutesOptions {
  readonly flows: AccountFlows;
  readonly cookies: SessionCookies;
  readonly mfaCookies: MfaCookies;
  readonly allowedOrigins: readonly string[];
}

const PREFIX = '/api/v1/simple_auth/mfa';

const code = z
  .string()
  .trim()
  .min(6)
  .max(32)
  .regex(/^[A-Za-z0-9 -]+$/u);
const challengeBody = z.object({
  method: z.enum(['totp', 'email', 'recovery']),
  code,
  trust_device: z.boolean().optional(),
});
const labelBody = z.object({ label: z.string().trim().min(1).max(64).optional() });
const confirmBody = z.object({ code });
const factorParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/u),
});

export function mfaRoutes(app: FastifyInstance, options: MfaRoutesOptions, done: () => void): void {
  const { flows, cookies, mfaCookies: mfaCookie } = options;
  const guarded = jsonStateChange(options.allowedOrigins, cookies.name);
  const mfa = () => {
    const found = flows.mfa;
    if (found === undefined) throw authErrors.create('not_found');
    return found;
  };

  /**
   * A code for the pending sign-in this browser holds (then a session opens at aal2), else for
   * the caller's own session (step-up: the session is raised to aal2 under a new cookie).
   */
  app.post(`${PREFIX}/challenge`, guarded, async (request, reply) => {
    const answer = parseInput(challengeBody, request.body);
    const client = clientFactsOf(request);
    const pendingToken = mfaCookie.pending(request);
    const caller = pendingToken === undefined ? await flows.callers.resolve(request) : null;
    if (caller !== null) {
      const passed = await mfa().stepUp(
        caller,
        { method: answer.method, code: answer.code },
        client,
      );
      cookies.set(reply, passed.token);
      return {
        status: 'verified',
        aal: passed.session.aal,
        ...(passed.recoveryCodesLeft === undefined
          ? {}
          : { recovery_codes_left: passed.recoveryCodesLeft }),
      };
    }
    const signedIn = await flows
      .completeSecondFactor(
        pendingToken,
        { method: answer.method, code: answer.code, trustDevice: answer.trust_device === true },
        client,
      )
      .catch((error: unknown) => {
        // A pending sign-in that is over has nothing left to answer: the cookie goes too.
        if ((error as { code?: unknown }).code === 'mfa_pending_invalid')
          mfaCookie.clearPending(reply);
        throw error;
      });
    mfaCookie.clearPending(reply);
    cookies.set(reply, signedIn.token);
    if (signedIn.trusted !== undefined) mfaCookie.setTrusted(reply, signedIn.trusted);
    return {
      user: {
        id: signedIn.user.id,
        email: signedIn.user.email,
        email_verified: signedIn.user.emailVerified,
        roles: signedIn.user.roles,
      },
      aal: signedIn.session.aal,
      redirect_to: signedIn.redirectTo,
      ...(signedIn.recoveryCodesLeft === undefined
        ? {}
        : { recovery_codes_left: signedIn.recoveryCodesLeft }),
    };
  });

  app.post(`${PREFIX}/email-code`, guarded, async (request, reply) => {
    const client = clientFactsOf(request);
    const pendingToken = mfaCookie.pending(request);
    const caller = pendingToken === undefined ? await flows.callers.resolve(request) : null;
    const to =
      caller === null
        ? await mfa().sendSignInEmailCode(pendingToken, client)
        : await mfa().sendStepUpEmailCode(caller, client);
    return reply.code(202).send({ status: 'sent', to: maskAddress(to) });
  });

  app.get(PREFIX, async (request) => {
    const caller = await flows.callers.require(request);
    const overview = await mfa().overview(caller);
    return {
      aal: caller.session.aal,
      recent_factor: mfa().hasRecentFactor(caller.session),
      methods: overview.methods,
      totp: [...overview.totpFactors, ...overview.pendingTotp].map(factorView),
      email: overview.emailFactor === null ? null : factorView(overview.emailFactor),
      recovery_codes_left: overview.recoveryCodesLeft,
      trusted_devices: overview.trustedDevices.map(trustedView),
    };
  });

  app.post(`${PREFIX}/totp`, guarded, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const { label } = parseInput(labelBody, request.body);
    const enrollment = await mfa().beginTotp(caller, label ?? 'Authenticator app');
    return reply.code(201).send({
      factor_id: enrollment.factorId,
      secret: enrollment.secret,
      uri: enrollment.uri,
      qr_svg: await mfa().qrCode(enrollment.uri),
    });
  });

  app.post(`${PREFIX}/totp/:id/confirm`, guarded, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const { id } = parseInput(factorParams, request.params);
    const { code: typed } = parseInput(confirmBody, request.body);
    const confirmed = await mfa().confirmTotp(caller, id, typed, clientFactsOf(request));
    cookies.set(reply, confirmed.elevated.token);
    return { status: 'active', aal: 'aal2', recovery_codes: confirmed.recoveryCodes };
  });

  app.delete(`${PREFIX}/totp/:id`, guarded, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const { id } = parseInput(factorParams, request.params);
    await mfa().removeTotp(caller, id, clientFactsOf(request));
    return reply.code(204).send();
  });

  app.post(`${PREFIX}/email`, guarded, async (request) => {
    const caller = await flows.callers.require(request);
    const recoveryCodes = await mfa().enableEmailFactor(caller, clientFactsOf(request));
    return { status: 'active', recovery_codes: recoveryCodes };
  });

  app.delete(`${PREFIX}/email`, guarded, async (request, reply) => {
    const caller = await flows.callers.require(request);
    await mfa().disableEmailFactor(caller, clientFactsOf(request));
    return reply.code(204).send();
  });

  app.post(`${PREFIX}/recovery-codes`, guarded, async (request) => {
    const caller = await flows.callers.require(request);
    return { recovery_codes: await mfa().regenerateRecoveryCodes(caller, clientFactsOf(request)) };
  });

  app.get(`${PREFIX}/trusted-devices`, async (request) => {
    const caller = await flows.callers.require(request);
    return { trusted_devices: (await mfa().listTrustedDevices(caller)).map(trustedView) };
  });

  app.delete(`${PREFIX}/trusted-devices/:id`, guarded, async (request, reply) => {
    const caller = await flows.callers.require(request);
    await mfa().revokeTrustedDevice(
      caller,
      parseInput(factorParams, request.params).id,
      clientFactsOf(request),
    );
    return reply.code(204).send();
  });

  app.delete(`${PREFIX}/trusted-devices`, guarded, async (request) => {
    const caller: Caller = await flows.callers.require(request);
    return {
      revoked: await mfa().endTrustedDevices(caller.session.userId, 'user', clientFactsOf(request)),
    };
  });
  done();
}

/** Where an email code went, without spelling the address out: `a***@example.com`. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

function factorView(factor: FactorSummary) {
  return {
    id: factor.id,
    kind: factor.kind,
    label: factor.label,
    status: factor.status,
    created_at: new Date(factor.createdAt).toISOString(),
    last_used_at: factor.lastUsedAt === null ? null : new Date(factor.lastUsedAt).toISOString(),
  };
}

function trustedView(device: TrustedDevice) {
  return {
    id: device.id,
    device_label: device.deviceLabel,
    created_at: new Date(device.createdAt).toISOString(),
    expires_at: new Date(device.expiresAt).toISOString(),
  };
}
