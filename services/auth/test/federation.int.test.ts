// Sign-in with an outside OpenID Provider over HTTP, through the real gateway (real Redis,
// PGlite) against a real OpenID Provider (oidc-provider on a free port): discovery, PKCE, state,
// nonce, the ID token's checks, accounts made, linked or refused, groups to roles, and outages.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chromeOnMac,
  firefoxOnLinux,
  startTestOpenIdProvider,
  type TestOpenIdProvider,
} from '@authflow/testing';
import { decodeJwt } from 'jose';
import { generateTotp } from '../src/mfa/builtin/totp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserClient, Response } from './support/browser-client.js';
import { BrowserClient as Browser } from './support/browser-client.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

// Two devices: their user agents and languages differ (both enforced fingerprint parts).
const LAPTOP = firefoxOnLinux.headers;
const PHONE = chromeOnMac.headers;
const PASSWORD = 'correct horse battery staple';
const CLIENT = { clientId: 'authflow', clientSecret: 'a-client-secret-for-tests-only' };

const PROVIDER_IDS = ['corp', 'partners', 'strong', 'entra'];

/** One provider of the file, all on the same OpenID Provider and client. */
function entry(id: string, name: string, extra: readonly string[]): string[] {
  return [
    `  - id: ${id}`,
    '    type: oidc',
    `    name: ${name}`,
    `    issuer: ${op.issuer}`,
    `    clientId: ${CLIENT.clientId}`,
    '    clientSecret: ${CORP_CLIENT_SECRET}',
    ...extra,
  ];
}

let op: TestOpenIdProvider;
let stack: Stack;
let counter = 0;
const unique = (label: string) => `${label}-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  // The redirect URIs are known once the stack listens (setClient below).
  op = await startTestOpenIdProvider({
    clients: [{ ...CLIENT, redirectUris: ['http://127.0.0.1/not-yet'] }],
  });
  const folder = await mkdtemp(join(tmpdir(), 'authflow-providers-'));
  const providersFile = join(folder, 'providers.yaml');
  await writeFile(
    providersFile,
    [
      'providers:',
      // The YAML form, with the secret from the environment (${ENV} substitution).
      ...entry('corp', 'Corp SSO', [
        '    icon: keycloak',
        '    groupsToRoles:',
        '      engineering: [engineer]',
        '      admins: [admin]',
      ]),
      ...entry('partners', 'Partners', ['    allowedDomains: [partner.example]']),
      ...entry('strong', 'Strong', ['    trustProviderMfa: true']),
      ...entry('entra', 'Entra', ['    trustEmail: true', '    allowedDomains: [corp.example]']),
      '',
    ].join('\n'),
  );
  process.env.CORP_CLIENT_SECRET = CLIENT.clientSecret;
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: {
      AUTH_PROVIDERS_FILE: providersFile,
      AUTH_LOGIN_MAX_FAILURES_PER_IP: '10000',
      AUTH_BREAKER_RESET_MS: '60000',
    },
  });
  const base = stack.authConfig.server.publicUrl;
  await op.setClient({
    ...CLIENT,
    redirectUris: PROVIDER_IDS.map((id) => new URL(`/auth/sso/${id}/callback`, base).href),
  });
}, 60_000);

afterAll(async () => {
  await stack.close();
  await op.close();
});

/** A person at the provider. */
function person(
  label: string,
  extra: { verified?: boolean; groups?: string[]; domain?: string } = {},
) {
  const sub = unique(label);
  const email = `${sub}@${extra.domain ?? 'corp.example'}`;
  op.setAccount({
    sub,
    email,
    email_verified: extra.verified ?? true,
    name: `Person ${label}`,
    groups: extra.groups ?? [],
  });
  return { sub, email };
}

/** Starts at the login button; returns the provider URL. */
async function start(browser: BrowserClient, provider = 'corp', next?: string): Promise<string> {
  const started = await browser.get(
    `/auth/sso/${provider}${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`,
  );
  expect(started.status).toBe(303);
  return String(started.headers.location);
}

/** The callback the provider sends the browser to, as a path on the gateway. */
function pathOf(callback: URL): string {
  return `${callback.pathname}${callback.search}`;
}

async function signInWith(
  browser: BrowserClient,
  sub: string,
  provider = 'corp',
): Promise<Response> {
  const callback = await op.login(await start(browser, provider), sub);
  return browser.get(pathOf(callback));
}

/** What the backend learns of the session: the claims of the assertion the gateway signed. */
async function profileOf(browser: BrowserClient): Promise<Record<string, unknown>> {
  const response = await browser.get('/app/whoami', { accept: 'application/json' });
  expect(response.status).toBe(200);
  const claims = decodeJwt(String(stack.backend.received.at(-1)?.headers['x-authflow-assertion']));
  return { ...claims, user_id: claims.sub };
}

/** A refusal as the user gets it: its status and its stable code. */
function expectRefusal(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['x-authflow-error']).toBe(code);
}

/** Signs up with the password on this browser and confirms the address from the mailbox. */
async function confirmedPasswordAccount(browser: BrowserClient, email: string): Promise<void> {
  await browser.post('/api/v1/simple_auth/signup', { json: { email, password: PASSWORD } });
  const token = await mailedToken(stack.smtp, email, '/verify-email');
  await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, {
    accept: 'application/json',
  });
}

/** Signs in with the password on this browser. */
async function passwordSignIn(browser: BrowserClient, email: string): Promise<void> {
  const signedIn = await browser.post('/api/v1/simple_auth/signin', {
    json: { email, password: PASSWORD },
  });
  expect(signedIn.status).toBe(200);
}

describe('sign-in with an OpenID Provider', () => {
  it('shows one button per provider on the login page, in file order', async () => {
    const page = await stack.browser(LAPTOP).get('/auth/login');
    expect(page.status).toBe(200);
    const corp = page.body.indexOf('Sign in with Corp SSO');
    const partners = page.body.indexOf('Sign in with Partners');
    expect(corp).toBeGreaterThan(0);
    expect(partners).toBeGreaterThan(corp);
    expect(page.body).toContain('href="/auth/sso/corp"');
    // The password form is still there.
    expect(page.body).toContain('name="password"');
  });

  it('sends the browser to the provider with PKCE S256, state and nonce', async () => {
    const browser = stack.browser(LAPTOP);
    const url = new URL(await start(browser));
    expect(url.origin).toBe(new URL(op.issuer).origin);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/u);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/u);
    expect(url.searchParams.get('nonce')).not.toBeNull();
    expect(url.searchParams.get('redirect_uri')).toBe(
      new URL('/auth/sso/corp/callback', stack.authConfig.server.publicUrl).href,
    );
    expect(browser.jar.get('authflow_sso')).toBe(url.searchParams.get('state'));
  });

  it('makes an account at a first sign-in and opens a session with fed in amr and the provider in the assertion', async () => {
    const { sub, email } = person('first', { groups: ['engineering'] });
    const browser = stack.browser(LAPTOP);
    const back = await signInWith(browser, sub);
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/app/');
    const profile = await profileOf(browser);
    expect(profile.email).toBe(email);
    expect(profile.provider).toBe('corp');
    expect(profile.amr).toEqual(['fed']);
    expect(profile.aal).toBe('aal1');
    expect(profile.roles).toContain('engineer');
    // The same person again: the same account.
    const again = stack.browser(PHONE);
    expect((await signInWith(again, sub)).status).toBe(303);
    expect((await profileOf(again)).user_id).toBe(profile.user_id);
  });

  it('sets roles from the groups at every sign-in, and the session carries them', async () => {
    const { sub, email } = person('groups', { groups: ['admins'] });
    const browser = stack.browser(LAPTOP);
    await signInWith(browser, sub);
    expect((await profileOf(browser)).roles).toContain('admin');
    op.setAccount({ sub, email, email_verified: true, groups: ['engineering'] });
    const later = stack.browser(LAPTOP);
    await signInWith(later, sub);
    const roles = (await profileOf(later)).roles as string[];
    expect(roles).toContain('engineer');
    expect(roles).not.toContain('admin');
  });

  it('follows the signed handoff back to where the browser was going', async () => {
    const { sub } = person('next');
    const browser = stack.browser(LAPTOP);
    const login = await browser.get('/app/deep/page?x=1', { accept: 'text/html' });
    const loginUrl = new URL(String(login.headers.location), 'http://x');
    const next = loginUrl.searchParams.get('next') ?? '';
    const callback = await op.login(await start(browser, 'corp', next), sub);
    const back = await browser.get(pathOf(callback));
    expect(back.headers.location).toBe('/app/deep/page?x=1');
  });

  it('refuses a callback whose state is not the one this browser started', async () => {
    const { sub } = person('state');
    const victim = stack.browser(LAPTOP);
    const attacker = stack.browser(LAPTOP);
    // The attacker finishes at the provider and hands the callback to another browser.
    const callback = await op.login(await start(attacker), sub);
    await start(victim);
    const answer = await victim.get(pathOf(callback));
    expectRefusal(answer, 400, 'sign_in_expired');
    expect(answer.body).toContain('<html');
    expect(victim.jar.has('authflow_session')).toBe(false);
  });

  it('refuses a replayed callback: the state and the code work once', async () => {
    const { sub } = person('replay');
    const browser = stack.browser(LAPTOP);
    const callback = await op.login(await start(browser), sub);
    expect((await browser.get(pathOf(callback))).status).toBe(303);
    // Same browser, same flow cookie value again.
    browser.jar.set('authflow_sso', callback.searchParams.get('state') ?? '');
    const replay = await browser.get(pathOf(callback));
    expectRefusal(replay, 400, 'sign_in_expired');
  });

  it('refuses a code used once already, even under a fresh state', async () => {
    const { sub } = person('code');
    const browser = stack.browser(LAPTOP);
    const callback = await op.login(await start(browser), sub);
    expect((await browser.get(pathOf(callback))).status).toBe(303);
    const fresh = new URL(await start(browser));
    const replayed = new URL(callback);
    replayed.searchParams.set('state', fresh.searchParams.get('state') ?? '');
    const answer = await browser.get(pathOf(replayed));
    expectRefusal(answer, 400, 'sign_in_expired');
  });

  it('finishes a flow only on the device that started it', async () => {
    const { sub } = person('device');
    const laptop = stack.browser(LAPTOP);
    const callback = await op.login(await start(laptop), sub);
    const phone = stack.browser(PHONE);
    phone.jar.set('authflow_sso', laptop.jar.get('authflow_sso') ?? '');
    const answer = await phone.get(pathOf(callback));
    expect(answer.status).toBe(400);
    expect(phone.jar.has('authflow_session')).toBe(false);
  });

  it.each([
    [
      'another audience',
      (claims: Record<string, unknown>) => ({ ...claims, aud: 'someone-else' }),
      'op',
    ],
    [
      'an expired token',
      (claims: Record<string, unknown>) => ({
        ...claims,
        exp: Math.floor(Date.now() / 1000) - 600,
        iat: Math.floor(Date.now() / 1000) - 1200,
      }),
      'op',
    ],
    [
      'another issuer',
      (claims: Record<string, unknown>) => ({ ...claims, iss: 'https://evil.example' }),
      'op',
    ],
    ['an unknown signing key', (claims: Record<string, unknown>) => claims, 'foreign'],
  ] as const)('refuses an ID token with %s', async (_name, edit, key) => {
    const { sub } = person('token');
    const browser = stack.browser(LAPTOP);
    const callback = await op.login(await start(browser), sub);
    op.tamperNextIdToken(edit, { key });
    const answer = await browser.get(pathOf(callback));
    expectRefusal(answer, 400, 'sign_in_expired');
    expect(browser.jar.has('authflow_session')).toBe(false);
  });

  it('shows a page, not JSON, when consent is denied', async () => {
    const { sub } = person('deny');
    const browser = stack.browser(LAPTOP);
    const callback = await op.login(await start(browser), sub, { deny: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const answer = await browser.get(pathOf(callback));
    expectRefusal(answer, 403, 'provider_refused');
    expect(answer.headers['content-type']).toMatch(/text\/html/u);
  });

  it('refuses an address outside the allowed domains with a clear page', async () => {
    const { sub } = person('domain', { domain: 'elsewhere.example' });
    const answer = await signInWith(stack.browser(LAPTOP), sub, 'partners');
    expectRefusal(answer, 403, 'email_domain_not_allowed');
    expect(answer.body).toContain('email domain');
    const { sub: partner } = person('partner', { domain: 'partner.example' });
    expect((await signInWith(stack.browser(LAPTOP), partner, 'partners')).status).toBe(303);
  });
});

describe('second factors after an outside sign-in', () => {
  it('still asks for the second factor of an account that has one', async () => {
    const { sub } = person('with-totp');
    const browser = stack.browser(LAPTOP);
    await signInWith(browser, sub);
    const begun = await browser.post('/api/v1/simple_auth/mfa/totp', { json: { label: 'Phone' } });
    expect(begun.status).toBe(201);
    const { factor_id: factorId, secret } = JSON.parse(begun.body) as Record<string, string>;
    const confirmed = await browser.post(`/api/v1/simple_auth/mfa/totp/${factorId}/confirm`, {
      json: { code: generateTotp(secret ?? '') },
    });
    expect(confirmed.status).toBe(200);
    const [recovery] = (JSON.parse(confirmed.body) as { recovery_codes: string[] }).recovery_codes;

    const later = stack.browser(LAPTOP);
    const back = await signInWith(later, sub);
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/auth/mfa');
    expect(later.jar.has('authflow_session')).toBe(false);
    const passed = await later.post('/api/v1/simple_auth/mfa/challenge', {
      json: { method: 'recovery', code: recovery },
    });
    expect(passed.status).toBe(200);
    const claims = await profileOf(later);
    expect(claims.aal).toBe('aal2');
    expect(claims.amr).toEqual(expect.arrayContaining(['fed', 'mfa']));
    expect(claims.amr).not.toContain('pwd');
    expect(claims.provider).toBe('corp');
  });

  it('takes the provider second factor as this sign-in one only where the configuration trusts it', async () => {
    const sub = unique('strong');
    op.setAccount({ sub, email: `${sub}@corp.example`, email_verified: true, amr: ['pwd', 'mfa'] });
    const trusted = stack.browser(LAPTOP);
    expect((await signInWith(trusted, sub, 'strong')).status).toBe(303);
    const strong = await profileOf(trusted);
    expect(strong.aal).toBe('aal2');
    expect(strong.amr).toEqual(expect.arrayContaining(['fed', 'pwd', 'mfa']));
    // The same kind of assertion through a provider entry that does not trust it: aal1, no mfa.
    const other = unique('not-trusted');
    op.setAccount({
      sub: other,
      email: `${other}@corp.example`,
      email_verified: true,
      amr: ['pwd', 'mfa'],
    });
    const plain = stack.browser(LAPTOP);
    expect((await signInWith(plain, other, 'corp')).status).toBe(303);
    const weak = await profileOf(plain);
    expect(weak.aal).toBe('aal1');
    expect(weak.amr).toEqual(['fed', 'pwd']);
  });
});

describe('a provider whose addresses are trusted (trustEmail)', () => {
  it('makes an account for an address the provider does not mark verified', async () => {
    const { sub, email } = person('trusted', { verified: false });
    const browser = stack.browser(LAPTOP);
    expect((await signInWith(browser, sub, 'entra')).status).toBe(303);
    expect((await profileOf(browser)).email).toBe(email);
    // The same person through a provider that is not trusted that way: refused.
    const other = person('untrusted', { verified: false });
    const refused = await signInWith(stack.browser(LAPTOP), other.sub, 'corp');
    expect(refused.headers['x-authflow-error']).toBe('email_unverified');
  });
});

describe('linking to an existing account', () => {
  async function passwordAccount(): Promise<string> {
    const email = `${unique('owner')}@corp.example`;
    await confirmedPasswordAccount(stack.browser(LAPTOP), email);
    return email;
  }

  it('never links an unverified address to an existing account', async () => {
    const email = await passwordAccount();
    const sub = unique('claimer');
    op.setAccount({ sub, email, email_verified: false });
    const browser = stack.browser(LAPTOP);
    const answer = await signInWith(browser, sub);
    expectRefusal(answer, 403, 'email_unverified');
    expect(browser.jar.has('authflow_session')).toBe(false);
    // Nothing was mailed to the owner either: no link to follow.
    expect(stack.smtp.messages.filter((message) => message.to.includes(email))).toHaveLength(1);
  });

  it('links a verified address only once the owner confirms from the mailbox', async () => {
    const email = await passwordAccount();
    const sub = unique('verified');
    op.setAccount({ sub, email, email_verified: true });
    const browser = stack.browser(LAPTOP);
    const first = await signInWith(browser, sub);
    expect(first.status).toBe(200);
    expect(first.body).toContain('Check your email');
    expect(browser.jar.has('authflow_session')).toBe(false);
    const token = await mailedToken(stack.smtp, email, '/auth/sso/link');
    const page = await browser.get(`/auth/sso/link?token=${token}`);
    expect(page.status).toBe(200);
    const confirmed = await browser.post('/auth/sso/link', {
      form: { _csrf: Browser.csrfTokenOf(page.body), token },
    });
    expect(confirmed.status).toBe(200);
    // Now the provider opens the existing account.
    const after = stack.browser(LAPTOP);
    expect((await signInWith(after, sub)).status).toBe(303);
    expect((await profileOf(after)).email).toBe(email);
    // The link works once.
    const again = await browser.post('/auth/sso/link', {
      form: { _csrf: Browser.csrfTokenOf(page.body), token },
    });
    expect(again.status).toBe(400);
  });

  it('refuses a first sign-in with an unverified address (no account is made)', async () => {
    const sub = unique('unverified');
    op.setAccount({ sub, email: `${sub}@corp.example`, email_verified: false });
    const answer = await signInWith(stack.browser(LAPTOP), sub);
    expectRefusal(answer, 403, 'email_unverified');
  });
});

describe('identities on the security page', () => {
  async function signedInWithPassword(): Promise<{ browser: BrowserClient; email: string }> {
    const email = `${unique('settings')}@corp.example`;
    const browser = stack.browser(LAPTOP);
    await confirmedPasswordAccount(browser, email);
    await passwordSignIn(browser, email);
    return { browser, email };
  }

  async function post(browser: BrowserClient, path: string): Promise<Response> {
    const page = await browser.get('/auth/security');
    expect(page.status).toBe(200);
    return browser.post(path, { form: { _csrf: Browser.csrfTokenOf(page.body) } });
  }

  it('links a provider while signed in, lists it, and unlinks it', async () => {
    const { browser, email } = await signedInWithPassword();
    const before = await browser.get('/auth/security');
    expect(before.body).toContain('Link Corp SSO');
    const started = await post(browser, '/auth/sso/corp/link');
    expect(started.status).toBe(303);
    // At the provider, under another address: linking while signed in needs no matching address.
    const { sub } = person('linker');
    const back = await browser.get(pathOf(await op.login(String(started.headers.location), sub)));
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/auth/security?notice=identity_linked');
    const listed = await browser.get('/auth/security');
    expect(listed.body).toContain('Unlink Corp SSO');
    // The provider now opens this account.
    const elsewhere = stack.browser(PHONE);
    expect((await signInWith(elsewhere, sub)).status).toBe(303);
    expect((await profileOf(elsewhere)).email).toBe(email);
    // Unlinked: the identity opens nothing any more (its address has no account: a new one).
    const unlinked = await post(browser, '/auth/sso/corp/unlink');
    expect(unlinked.status).toBe(303);
    expect(unlinked.headers.location).toBe('/auth/security?notice=identity_unlinked');
    const later = stack.browser(PHONE);
    expect((await signInWith(later, sub)).status).toBe(303);
    expect((await profileOf(later)).email).not.toBe(email);
  });

  it('never unlinks the last way into an account made by a provider', async () => {
    const { sub } = person('only-way');
    const browser = stack.browser(LAPTOP);
    expect((await signInWith(browser, sub)).status).toBe(303);
    const refused = await post(browser, '/auth/sso/corp/unlink');
    expectRefusal(refused, 409, 'last_sign_in_method');
    // Still linked: the provider still opens the account.
    const again = stack.browser(PHONE);
    expect((await signInWith(again, sub)).status).toBe(303);
  });

  it('refuses to link an identity that opens another account', async () => {
    const { sub } = person('taken');
    expect((await signInWith(stack.browser(LAPTOP), sub)).status).toBe(303);
    const { browser } = await signedInWithPassword();
    const started = await post(browser, '/auth/sso/corp/link');
    const answer = await browser.get(pathOf(await op.login(String(started.headers.location), sub)));
    expectRefusal(answer, 409, 'identity_in_use');
  });
});

describe('when the provider is down', () => {
  it('keeps the login page and passwords working, and the button explains the outage', async () => {
    await op.stop();
    try {
      const browser = stack.browser(LAPTOP);
      // The click is refused with a page that says why, and from then on the button says so.
      const refused = await browser.get('/auth/sso/corp');
      expectRefusal(refused, 503, 'external_provider_unavailable');
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.body).toContain('Corp SSO cannot be reached');
      const page = await browser.get('/auth/login');
      expect(page.status).toBe(200);
      expect(page.body).toContain('name="password"');
      expect(page.body.replace(/\s+/gu, ' ')).toContain('Corp SSO cannot be reached right now');
      // The other provider's button is untouched.
      expect(page.body).toContain('href="/auth/sso/partners"');
      const email = `${unique('pw')}@example.com`;
      await confirmedPasswordAccount(browser, email);
      await passwordSignIn(browser, email);
      // Enough failures open the breaker: then no call reaches the provider at all.
      for (let attempt = 0; attempt < 200; attempt += 1) await browser.get('/auth/sso/corp');
      const breakers = await stack.auth.inject({ method: 'GET', url: '/metrics' });
      expect(breakers.body).toMatch(/breaker_state\{dependency="provider:corp"\} 2/u);
    } finally {
      await op.restart();
    }
  });
});
