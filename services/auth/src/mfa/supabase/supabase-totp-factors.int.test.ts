// SupabaseTotpFactors against the GoTrue contract double over real HTTP: enrol, confirm, verify at
// sign-in, replays, wrong codes, removal, and the kept session behind each call.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { IdentityError } from '../../identity/identity-provider.js';
import { ProviderSessionError } from './index.js';
import { context, password, useSupabaseMfa } from './test-support/supabase-mfa-fixture.js';

const fixture = useSupabaseMfa();
const totp = () => fixture().mfa.totp;

async function keptClaims(key: string) {
  const session = await fixture().mfa.vault.current(key);
  return decodeJwt(session!.accessToken);
}

/** Ada with a confirmed factor (enrolled and confirmed on her session kept under `settings`). */
async function adaWithFactor() {
  const owner = await fixture().signIn('ada@example.com', 'settings');
  const enrollment = await totp().beginEnrollment(owner, 'Phone');
  const confirmed = await totp().confirmEnrollment(
    owner,
    enrollment.factorId,
    fixture().codeFor(enrollment.uri),
  );
  expect(confirmed).toBe(true);
  return { owner, ...enrollment };
}

function verifyRequests(): number {
  return fixture()
    .double.requests({ method: 'POST' })
    .filter((request) => request.authPath?.endsWith('/verify') === true).length;
}

describe('SupabaseIdentityProvider.signInKeepingSession', () => {
  it('returns the user and a live aal1 Supabase session instead of ending it', async () => {
    fixture().double.createUser({ email: 'ada@example.com', password });
    const { user, session } = await fixture().provider.signInKeepingSession(
      { email: ' ada@example.com ', password },
      context,
    );
    expect(user).toMatchObject({ email: 'ada@example.com', emailVerified: true });
    expect(decodeJwt(session.accessToken)).toMatchObject({ sub: user.id, aal: 'aal1' });
    expect(session.expiresAt).toBeGreaterThan(Date.now());
    expect(fixture().double.sessionIds('ada@example.com')).toHaveLength(1);
  });

  it('refuses a wrong password as invalid_credentials', async () => {
    fixture().double.createUser({ email: 'ada@example.com', password });
    await expect(
      fixture().provider.signInKeepingSession(
        { email: 'ada@example.com', password: 'nope' },
        context,
      ),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
  });
});

describe('enrolment', () => {
  it('begins with a pending factor, its base32 secret and an otpauth URI', async () => {
    const owner = await fixture().signIn('ada@example.com', 'settings');
    const enrollment = await totp().beginEnrollment(owner, 'Phone');
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrollment.uri).toMatch(/^otpauth:\/\/totp\/AuthFlow:ada@example\.com\?/);
    expect(enrollment.uri).toContain(`secret=${enrollment.secret}`);
    expect(await totp().list(owner)).toEqual([
      {
        id: enrollment.factorId,
        kind: 'totp',
        label: 'Phone',
        status: 'pending',
        createdAt: expect.any(Number),
        lastUsedAt: null,
      },
    ]);
  });

  it('confirms with a code computed from the secret; the factor is active, the kept session aal2', async () => {
    const { owner, factorId } = await adaWithFactor();
    expect(await totp().list(owner)).toEqual([
      expect.objectContaining({ id: factorId, status: 'active', lastUsedAt: expect.any(Number) }),
    ]);
    expect(await keptClaims('settings')).toMatchObject({
      aal: 'aal2',
      amr: [
        { method: 'totp', timestamp: expect.any(Number) },
        { method: 'password', timestamp: expect.any(Number) },
      ],
    });
  });

  it('replaces an older pending factor, keeps at most one', async () => {
    const owner = await fixture().signIn('ada@example.com', 'settings');
    await totp().beginEnrollment(owner, 'Phone');
    const second = await totp().beginEnrollment(owner, 'Phone');
    expect((await totp().list(owner)).map((f) => [f.id, f.status])).toEqual([
      [second.factorId, 'pending'],
    ]);
  });

  it('cleans labels as the built-in adapter does: spaces folded, a default, 64 characters', async () => {
    const owner = await fixture().signIn('ada@example.com', 'settings');
    await totp().beginEnrollment(owner, '  ');
    expect((await totp().list(owner))[0]?.label).toBe('Authenticator app');
    await totp().beginEnrollment(owner, `  my   ${'a'.repeat(70)}`);
    expect((await totp().list(owner))[0]?.label).toBe(`my ${'a'.repeat(61)}`);
  });

  it('names a second factor apart from an active one with the same label', async () => {
    const { owner } = await adaWithFactor();
    await totp().beginEnrollment(owner, 'Phone');
    expect((await totp().list(owner)).map((f) => f.label)).toEqual(['Phone', 'Phone (2)']);
  });

  it('asks for an aal2 Supabase session to add a factor once one is active', async () => {
    await adaWithFactor();
    const fresh = await fixture().signIn('ada@example.com', 'pending-1');
    const refusal = totp().beginEnrollment(fresh, 'Key');
    await expect(refusal).rejects.toBeInstanceOf(ProviderSessionError);
    await expect(refusal).rejects.toMatchObject({ reason: 'insufficient_aal' });
  });

  it('refuses a wrong confirmation code and leaves the factor pending', async () => {
    const owner = await fixture().signIn('ada@example.com', 'settings');
    const { factorId, uri } = await totp().beginEnrollment(owner, 'Phone');
    const wrong = fixture().codeFor(uri, 120_000);
    expect(await totp().confirmEnrollment(owner, factorId, wrong)).toBe(false);
    expect((await totp().list(owner))[0]?.status).toBe('pending');
    expect(await keptClaims('settings')).toMatchObject({ aal: 'aal1' });
  });
});

describe('verify at sign-in', () => {
  it('accepts a code on a fresh password session and keeps the aal2 session Supabase returns', async () => {
    const { factorId, uri } = await adaWithFactor();
    const pending = await fixture().signIn('ada@example.com', 'pending-1');
    expect(await keptClaims('pending-1')).toMatchObject({ aal: 'aal1' });
    // The confirmation spent the current code: the next step's is inside the window too.
    expect(await totp().verify(pending, factorId, fixture().codeFor(uri, 30_000))).toBe(true);
    expect(await keptClaims('pending-1')).toMatchObject({ aal: 'aal2' });
  });

  it('refuses a replayed code without asking Supabase', async () => {
    const { factorId, uri } = await adaWithFactor();
    const first = await fixture().signIn('ada@example.com', 'pending-1');
    const code = fixture().codeFor(uri, 30_000);
    expect(await totp().verify(first, factorId, code)).toBe(true);
    const second = await fixture().signIn('ada@example.com', 'pending-2');
    const before = verifyRequests();
    expect(await totp().verify(second, factorId, code)).toBe(false);
    expect(verifyRequests()).toBe(before);
  });

  it('answers false for a wrong code, a malformed one, a pending factor and another user factor', async () => {
    const { factorId, uri } = await adaWithFactor();
    const ada = await fixture().signIn('ada@example.com', 'pending-1');
    expect(await totp().verify(ada, factorId, fixture().codeFor(uri, 120_000))).toBe(false);
    expect(await totp().verify(ada, factorId, '12345')).toBe(false);
    expect(await totp().verify(ada, 'not-a-factor', '123456')).toBe(false);
    const bob = await fixture().signIn('bob@example.com', 'bob');
    const pending = await totp().beginEnrollment(bob, 'Bob phone');
    expect(await totp().verify(bob, pending.factorId, fixture().codeFor(pending.uri))).toBe(false);
    expect(await totp().verify(bob, factorId, fixture().codeFor(uri, -30_000))).toBe(false);
    expect(await keptClaims('pending-1')).toMatchObject({ aal: 'aal1' });
  });

  it('refuses a code for a factor that is already active through confirmEnrollment', async () => {
    const { owner, factorId, uri } = await adaWithFactor();
    expect(await totp().confirmEnrollment(owner, factorId, fixture().codeFor(uri, 30_000))).toBe(
      false,
    );
  });
});

describe('removal', () => {
  it('removes a factor with the aal2 session that confirmed it', async () => {
    const { owner, factorId } = await adaWithFactor();
    expect(await totp().remove(owner, factorId)).toBe(true);
    expect(await totp().list(owner)).toEqual([]);
    expect(fixture().double.lastRequest({ method: 'DELETE' })?.authPath).toBe(
      `/factors/${factorId}`,
    );
    expect(await totp().remove(owner, factorId)).toBe(false);
  });

  it('falls back to the admin API for an aal1 session or no kept session at all', async () => {
    const { factorId } = await adaWithFactor();
    const aal1 = await fixture().signIn('ada@example.com', 'pending-1');
    expect(await totp().remove(aal1, factorId)).toBe(true);
    expect(fixture().double.factors('ada@example.com')).toEqual([]);
    const again = await adaWithFactor();
    const { userId, email } = again.owner;
    expect(await totp().remove({ userId, email }, again.factorId)).toBe(true);
    expect(fixture().double.factors('ada@example.com')).toEqual([]);
  });

  it('answers false for a factor of another user', async () => {
    const { factorId } = await adaWithFactor();
    const bob = await fixture().signIn('bob@example.com', 'bob');
    expect(await totp().remove(bob, factorId)).toBe(false);
    expect(fixture().double.factors('ada@example.com')).toHaveLength(1);
  });
});

describe('the kept session behind the calls', () => {
  it('says missing when no session is kept, or Supabase no longer has it (and drops it)', async () => {
    const owner = await fixture().signIn('ada@example.com', 'settings');
    const { userId, email } = owner;
    await expect(totp().beginEnrollment({ userId, email }, 'Phone')).rejects.toMatchObject({
      reason: 'missing',
    });
    const kept = await fixture().mfa.vault.current('settings');
    await fixture().mfa.api.revoke(kept!);
    await expect(totp().beginEnrollment(owner, 'Phone')).rejects.toMatchObject({
      reason: 'missing',
    });
    expect(await fixture().state.getSecret('settings')).toBeNull();
  });

  it('reports Supabase outages as identity_provider_unavailable', async () => {
    const owner = await fixture().signIn('ada@example.com', 'settings');
    fixture().double.injectFault({ kind: 'server-error', pathPrefix: '/factors' });
    const failure = totp().beginEnrollment(owner, 'Phone');
    await expect(failure).rejects.toBeInstanceOf(IdentityError);
    await expect(failure).rejects.toMatchObject({ code: 'identity_provider_unavailable' });
  });
});
