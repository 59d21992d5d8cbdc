import { html } from '@authflow/html';
import { describe, expect, it } from 'vitest';
import { isUsableLogoUrl, renderLayout } from './layout.js';
import { BRANDING } from './test-support/fixtures.js';
import { findTags, textOf } from './test-support/markup.js';

function render(branding = BRANDING): string {
  return renderLayout(branding, { title: 'Sign in', content: html`<p>Body</p>` });
}

describe('renderLayout', () => {
  it('renders a complete English document with the shared stylesheet', () => {
    const page = render();
    expect(page).toMatch(/^<!doctype html>\s*<html lang="en">/u);
    expect(findTags(page, 'meta')[0]?.attributes.charset).toBe('utf-8');
    expect(findTags(page, 'meta').some((tag) => tag.attributes.name === 'viewport')).toBe(true);
    expect(textOf(page, 'title')).toBe('Sign in · Acme');
    expect(findTags(page, 'link')).toEqual([
      // An empty icon: browsers would otherwise request /favicon.ico and log a 404.
      { name: 'link', attributes: { rel: 'icon', href: 'data:,' } },
      { name: 'link', attributes: { rel: 'stylesheet', href: '/auth/static/style.css' } },
    ]);
  });

  it('puts one h1 with the title inside main#main, before the content', () => {
    const page = render();
    expect(findTags(page, 'main')[0]?.attributes.id).toBe('main');
    expect(findTags(page, 'h1')).toHaveLength(1);
    expect(textOf(page, 'main')).toBe('Sign in Body');
  });

  it('shows the app name as text when there is no logo', () => {
    const page = render();
    expect(findTags(page, 'img')).toHaveLength(0);
    expect(textOf(page, 'header')).toBe('Acme');
  });

  it('shows the logo with the app name as its alternative text', () => {
    const page = render({ ...BRANDING, logoUrl: 'https://cdn.acme.test/logo.svg' });
    expect(findTags(page, 'img')).toEqual([
      {
        name: 'img',
        attributes: { class: 'brand-logo', src: 'https://cdn.acme.test/logo.svg', alt: 'Acme' },
      },
    ]);
  });

  it('falls back to the name for a logo URL that is neither https nor root-relative', () => {
    for (const logoUrl of ['javascript:alert(1)', 'http://acme.test/l.png', '//evil.test/l.png']) {
      const page = render({ ...BRANDING, logoUrl });
      expect(findTags(page, 'img')).toHaveLength(0);
    }
    expect(isUsableLogoUrl('/auth/static/logo.png')).toBe(true);
    expect(isUsableLogoUrl('not a url')).toBe(false);
  });

  it('offers a mailto link to support when an address is configured, and no footer otherwise', () => {
    const page = render();
    expect(textOf(page, 'footer')).toBe('Need help? Contact help@acme.test');
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain(
      'mailto:help@acme.test',
    );
    expect(render({ ...BRANDING, supportEmail: undefined })).not.toContain('<footer');
  });

  it('escapes a hostile app name in the title, the header and the logo text', () => {
    const appName = 'Acme</title><script>alert(1)</script>';
    for (const logoUrl of [undefined, '/logo.png']) {
      const page = render({ ...BRANDING, appName, logoUrl });
      expect(page).not.toContain('<script');
      expect(page.match(/<\/title>/gu)).toHaveLength(1);
      expect(textOf(page, 'title')).toBe(`Sign in · ${appName}`);
    }
  });
});
