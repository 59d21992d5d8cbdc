import { describe, expect, it } from 'vitest';
import type { ProviderButtonView } from './federation-pages.js';
import type { LinkedIdentityView, SignInProvidersView } from './identities-section.js';
import { renderSecurityPage } from './security-page.js';
import { expectPostForm } from './test-support/form-checks.js';
import { CSRF_TOKEN, HOSTILE, makeContext } from './test-support/fixtures.js';
import {
  findById,
  findForm,
  findTags,
  hiddenValues,
  sectionLabelledBy,
  textById,
  textOf,
} from './test-support/markup.js';

const context = makeContext();
const LINKED = new Date('2025-01-14T15:09:26.000Z');
const USED = new Date('2025-02-01T08:30:00.000Z');

const GITHUB: ProviderButtonView = {
  id: 'github',
  name: 'GitHub',
  icon: 'github',
  available: true,
};
const OKTA: ProviderButtonView = { id: 'okta', name: 'Okta', icon: 'okta', available: true };
const GOOGLE: ProviderButtonView = {
  id: 'google',
  name: 'Google',
  icon: 'google',
  available: true,
};

function identity(overrides: Partial<LinkedIdentityView> = {}): LinkedIdentityView {
  return {
    provider: 'github',
    providerName: 'GitHub',
    email: 'ada@users.github.test',
    createdAt: LINKED,
    lastSignInAt: USED,
    ...overrides,
  };
}

function render(signInProviders?: SignInProvidersView): string {
  return renderSecurityPage(context, {
    email: 'ada@example.com',
    totpFactors: [],
    emailFactor: null,
    recoveryCodesLeft: 0,
    trustedDevices: [],
    signInProviders,
  });
}

/** The markup of the sign-in providers section. */
function section(page: string): string {
  return sectionLabelledBy(page, 'identities-heading');
}

describe('the sign-in providers section', () => {
  it('is absent when AuthFlow does not manage the links', () => {
    const page = render();
    expect(page).not.toContain('identities-heading');
    expect(page).not.toContain('Sign-in providers');
    expect(page).not.toContain('/auth/sso/');
  });

  it('lists a linked identity with its address, dates and an unlink form naming it', () => {
    const page = render({ identities: [identity()], providers: [GITHUB] });
    const providers = section(page);
    expect(findById(page, 'identities-heading').name).toBe('h2');
    expect(textById(page, 'identities-heading')).toBe('Sign-in providers');
    expect(providers).toContain('<strong>GitHub</strong>');
    expect(providers).toContain('ada@users.github.test');
    expect(providers).toContain(
      'Linked <time datetime="2025-01-14T15:09:26.000Z">14 Jan 2025, 15:09 UTC</time>',
    );
    expect(providers).toContain('<time datetime="2025-02-01T08:30:00.000Z">');
    const form = expectPostForm(providers, '/auth/sso/github/unlink');
    expect(hiddenValues(form)._csrf).toBe(CSRF_TOKEN);
    const button = findTags(form, 'button')[0];
    expect(button?.attributes['aria-label']).toBe('Unlink GitHub');
    expect(textOf(form, 'button')).toBe('Unlink');
    // Linked already: no second way to link the same provider.
    expect(() => findForm(providers, '/auth/sso/github/link')).toThrow();
  });

  it('reads a never-used identity and one without an address plainly', () => {
    const providers = section(
      render({ identities: [identity({ email: null, lastSignInAt: null })], providers: [] }),
    );
    expect(textOf(providers, 'li')).toMatch(/Last used never Unlink$/u);
    expect(providers).not.toContain('ada@users.github.test');
    expectPostForm(providers, '/auth/sso/github/unlink');
  });

  it('offers a link button for every configured provider not linked yet, in order', () => {
    const providers = section(
      render({ identities: [identity()], providers: [OKTA, GITHUB, GOOGLE] }),
    );
    const links = [...providers.matchAll(/<form[^>]*action="([^"]*\/link)"/gu)].map((m) => m[1]);
    expect(links).toEqual(['/auth/sso/okta/link', '/auth/sso/google/link']);
    expect(textOf(expectPostForm(providers, '/auth/sso/okta/link'), 'button')).toBe('Link Okta');
    expect(textOf(expectPostForm(providers, '/auth/sso/google/link'), 'button')).toBe(
      'Link Google',
    );
  });

  it('says when nothing is linked and still offers every provider', () => {
    const providers = section(render({ identities: [], providers: [GITHUB] }));
    expect(providers).toContain('No provider is linked.');
    expect(providers).not.toContain('/unlink');
    expect(textOf(expectPostForm(providers, '/auth/sso/github/link'), 'button')).toBe(
      'Link GitHub',
    );
  });

  it('shows an unreachable provider disabled, with a note the button points at', () => {
    const page = render({ identities: [], providers: [{ ...OKTA, available: false }] });
    const providers = section(page);
    expect(() => findForm(providers, '/auth/sso/okta/link')).toThrow();
    const button = findTags(providers, 'button')[0];
    expect(button?.attributes).toMatchObject({ type: 'button', disabled: '' });
    const note = findById(page, button?.attributes['aria-describedby'] ?? '');
    expect(note.name).toBe('p');
    expect(textById(providers, note.attributes.id ?? '')).toBe(
      'Okta cannot be reached right now. Try again soon.',
    );
    expect(textOf(providers, 'button')).toBe('Link Okta');
  });

  it('escapes a hostile provider name and address everywhere it appears', () => {
    const evil = '<b>Evil</b>';
    const page = render({
      identities: [identity({ provider: 'evil', providerName: evil, email: HOSTILE.email })],
      providers: [
        { id: 'evil', name: evil, icon: 'generic', available: true },
        { id: 'other', name: HOSTILE.text, icon: 'generic', available: true },
        { id: 'down', name: HOSTILE.device, icon: 'generic', available: false },
      ],
    });
    expect(page).not.toContain(evil);
    expect(page).not.toContain(HOSTILE.email);
    expect(page).not.toContain(HOSTILE.text);
    expect(page).not.toContain(HOSTILE.device);
    expect(page).toContain('&lt;b&gt;Evil&lt;/b&gt;');
    const unlink = expectPostForm(page, '/auth/sso/evil/unlink');
    expect(findTags(unlink, 'button')[0]?.attributes['aria-label']).toBe(`Unlink ${evil}`);
    expect(textOf(expectPostForm(page, '/auth/sso/other/link'), 'button')).toBe(
      `Link ${HOSTILE.text}`,
    );
    expect(findTags(page, 'b')).toHaveLength(0);
  });

  it('keeps ids unique and every form posting with the CSRF token', () => {
    const page = render({
      identities: [identity()],
      providers: [GITHUB, { ...OKTA, available: false }, { ...GOOGLE, available: false }],
    });
    const ids = findTags(page).flatMap((tag) => tag.attributes.id ?? []);
    expect(new Set(ids).size).toBe(ids.length);
    for (const form of page.matchAll(/<form(\s[^>]*)>([\s\S]*?)<\/form>/gu)) {
      expect(form[1]).toContain('method="post"');
      expect(hiddenValues(form[2] ?? '')._csrf).toBe(CSRF_TOKEN);
    }
  });
});
