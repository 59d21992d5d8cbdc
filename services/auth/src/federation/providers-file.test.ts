import { describe, expect, it } from 'vitest';
import { parseProvidersFile } from './providers-file.js';

const oidc = {
  id: 'corp',
  type: 'oidc',
  name: 'Corp SSO',
  issuer: 'https://sso.corp.example',
  clientId: 'authflow',
  clientSecret: '${CORP_SECRET}',
};

function parse(providers: unknown[], identityProvider: 'builtin' | 'supabase' = 'builtin') {
  return parseProvidersFile(
    { providers },
    {
      env: { CORP_SECRET: 's3cret' },
      identityProvider,
      source: 'providers.yaml',
      readSecret: (path) =>
        path === '/run/secrets/corp'
          ? Promise.resolve('from-file\n')
          : Promise.reject(Object.assign(new Error('no'), { code: 'ENOENT' })),
    },
  );
}

describe('parseProvidersFile', () => {
  it('fills defaults and substitutes the environment', async () => {
    const parsed = await parse([oidc]);
    expect(parsed).toEqual({
      ok: true,
      providers: [
        expect.objectContaining({
          id: 'corp',
          clientSecret: 's3cret',
          icon: 'generic',
          scopes: ['openid', 'email', 'profile'],
          claims: { email: 'email', name: 'name', groups: 'groups' },
          groupsToRoles: {},
          trustProviderMfa: false,
        }),
      ],
    });
  });

  it('reads the client secret from a file, trimmed', async () => {
    const { clientSecret: _secret, ...rest } = oidc;
    const parsed = await parse([{ ...rest, clientSecretFile: '/run/secrets/corp' }]);
    expect(parsed.ok && parsed.providers[0]).toMatchObject({ clientSecret: 'from-file' });
  });

  it('lists every problem at once', async () => {
    const parsed = await parse([
      { ...oidc, allowedDomain: ['corp.example'] },
      { ...oidc, id: 'link', issuer: 'http://sso.corp.example' },
      { ...oidc, id: 'two', groupsToRoles: { admins: ['Admin'] } },
      { ...oidc, id: 'two', scopes: ['email'] },
    ]);
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems.join('\n');
    expect(problems).toContain('allowedDomain'); // a typo is not silently dropped
    expect(problems).toContain('link is reserved');
    expect(problems).toContain('must be https');
    expect(problems).toContain('lower-case role name');
    expect(problems).toContain('must include openid');
  });

  it('refuses an id used twice, a secret given twice or not at all, and a missing variable', async () => {
    const { clientSecret: _secret, ...noSecret } = oidc;
    const parsed = await parse([
      oidc,
      oidc,
      { ...noSecret, id: 'none' },
      { ...oidc, id: 'both', clientSecretFile: '/run/secrets/corp' },
    ]);
    const problems = parsed.ok ? '' : parsed.problems.join('\n');
    expect(problems).toContain('corp is used twice');
    expect(problems).toContain('providers.2: give one of clientSecret or clientSecretFile');
    expect(problems).toContain('providers.3: give one of clientSecret or clientSecretFile');
    const unset = await parse([{ ...oidc, clientId: '${NOT_SET}' }]);
    expect(unset.ok ? '' : unset.problems.join('\n')).toContain('${NOT_SET} is used but not set');
  });

  it('allows http only for a provider on this machine', async () => {
    const parsed = await parse([{ ...oidc, issuer: 'http://127.0.0.1:9000' }]);
    expect(parsed.ok).toBe(true);
  });

  it('matches the provider type to the identity provider in use', async () => {
    const supabase = { id: 'google', type: 'supabase', name: 'Google', supabaseProvider: 'google' };
    expect((await parse([supabase], 'supabase')).ok).toBe(true);
    // Supabase owns its accounts: AuthFlow's account rules would be silently ignored there.
    const ruled = await parse([{ ...supabase, groupsToRoles: { a: ['b'] } }], 'supabase');
    expect(ruled.ok ? '' : ruled.problems.join('\n')).toContain('groupsToRoles');
    const mixed = await parse([supabase, oidc], 'builtin');
    expect(mixed.ok ? '' : mixed.problems.join('\n')).toContain(
      'type: supabase needs AUTH_IDENTITY_PROVIDER=supabase',
    );
    const wrong = await parse([oidc], 'supabase');
    expect(wrong.ok ? '' : wrong.problems.join('\n')).toContain('providers are type: supabase');
  });
});
