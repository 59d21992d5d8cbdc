// The provider-session vault against the GoTrue contract double: sealed at rest, moved between
// keys, refreshed through the refresh grant before expiry, dropped when Supabase drops it.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSdkClient } from '../../../test/supabase-double/test-support/sdk-clients.js';
import { KEPT_MS, useSupabaseMfa } from './test-support/supabase-mfa-fixture.js';

const fixture = useSupabaseMfa();
const vault = () => fixture().mfa.vault;
const HOUR = 3_600_000;

function refreshRequests(): number {
  return fixture()
    .double.requests({ method: 'POST', authPath: '/token' })
    .filter((request) => request.query.grant_type === 'refresh_token').length;
}

describe('ProviderSessionVault', () => {
  it('never stores a token in clear: the stored value is sealed and bound to its key', async () => {
    await fixture().signIn('ada@example.com', 'pending-1');
    const session = await vault().current('pending-1');
    const stored = await fixture().state.getSecret('pending-1');
    expect(stored).toMatch(/^v1\./);
    for (const secret of [session!.accessToken, session!.refreshToken, 'accessToken', 'refresh'])
      expect(stored).not.toContain(secret);
    // Copied under another key it does not open, and is dropped there.
    await fixture().state.putSecret('someone-else', stored!, KEPT_MS);
    expect(await vault().current('someone-else')).toBeNull();
    expect(await fixture().state.getSecret('someone-else')).toBeNull();
  });

  it('moves a kept session from the pending sign-in to the AuthFlow session', async () => {
    await fixture().signIn('ada@example.com', 'pending-1');
    const before = await vault().current('pending-1');
    await vault().move('pending-1', 'session-1', KEPT_MS);
    expect(await fixture().state.getSecret('pending-1')).toBeNull();
    expect(await vault().current('session-1')).toEqual(before);
    await vault().move('nothing-here', 'session-2', KEPT_MS);
    expect(await fixture().state.getSecret('session-2')).toBeNull();
  });

  it('keeps a session only for the time it was given, moves included', async () => {
    await fixture().signIn('ada@example.com', 'pending-1');
    const session = (await vault().current('pending-1'))!;
    await vault().keep('short', session, 5_000);
    await vault().move('pending-1', 'session-1', 10_000);
    fixture().double.advanceClock(6_000);
    expect(await vault().current('short')).toBeNull();
    expect(await vault().current('session-1')).toEqual(session);
    fixture().double.advanceClock(5_000);
    expect(await vault().current('session-1')).toBeNull();
  });

  it('refreshes an expired access token through the refresh grant and keeps the rotated session', async () => {
    const owner = await fixture().signIn('ada@example.com', 'session-1');
    const before = (await vault().current('session-1'))!;
    const sealedBefore = await fixture().state.getSecret('session-1');
    fixture().double.advanceClock(2 * HOUR);

    // Supabase would refuse the expired token (403 bad_jwt); the call goes through refreshed.
    const enrollment = await fixture().mfa.totp.beginEnrollment(owner, 'Phone');
    expect(enrollment.factorId).toEqual(expect.any(String));
    expect(refreshRequests()).toBe(1);
    const after = (await vault().current('session-1'))!;
    expect(refreshRequests()).toBe(1);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(fixture().double.now().getTime());
    expect(decodeJwt(after.accessToken).session_id).toBe(decodeJwt(before.accessToken).session_id);
    expect(await fixture().state.getSecret('session-1')).not.toBe(sealedBefore);
    // The old refresh token is spent.
    const reuse = await createSdkClient(fixture().double).auth.refreshSession({
      refresh_token: before.refreshToken,
    });
    expect(reuse.error).toMatchObject({ code: 'refresh_token_already_used' });
  });

  it('refreshes shortly before expiry, once for concurrent callers', async () => {
    await fixture().signIn('ada@example.com', 'session-1');
    fixture().double.advanceClock(HOUR - 60_000);
    const [a, b] = await Promise.all([vault().current('session-1'), vault().current('session-1')]);
    expect(a).toEqual(b);
    expect(refreshRequests()).toBe(1);
  });

  it('drops a session Supabase no longer has when it comes to refresh it', async () => {
    await fixture().signIn('ada@example.com', 'session-1');
    await fixture().mfa.api.revoke((await vault().current('session-1'))!);
    fixture().double.advanceClock(2 * HOUR);
    expect(await vault().current('session-1')).toBeNull();
    expect(await fixture().state.getSecret('session-1')).toBeNull();
  });

  it('forgets a session here and at Supabase', async () => {
    await fixture().signIn('ada@example.com', 'session-1');
    expect(fixture().double.sessionIds('ada@example.com')).toHaveLength(1);
    await vault().forget('session-1');
    expect(await fixture().state.getSecret('session-1')).toBeNull();
    expect(fixture().double.sessionIds('ada@example.com')).toEqual([]);
  });

  it('renews a key with the session Supabase answered a verify with, and only a kept key', async () => {
    await fixture().signIn('ada@example.com', 'session-1');
    const other = { accessToken: 'a.b.c', refreshToken: 'r', expiresAt: Date.now() + HOUR };
    await vault().renew('session-1', other);
    expect(await vault().current('session-1')).toEqual(other);
    await vault().renew('not-kept', other);
    expect(await fixture().state.getSecret('not-kept')).toBeNull();
  });
});
