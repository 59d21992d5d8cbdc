// Properties every page must keep, checked on all of them at once with hostile input.
import { describe, expect, it } from 'vitest';
import { HOSTILE, makeContext, renderEveryPage } from './test-support/fixtures.js';
import { expectAccessibleInputs } from './test-support/form-checks.js';
import { findTags, hiddenValues, textOf } from './test-support/markup.js';

const context = makeContext({ appName: HOSTILE.appName, logoUrl: '/auth/static/logo.png' });
const pages = Object.entries(renderEveryPage(context));
const plainPages = Object.entries(renderEveryPage(makeContext()));

describe.each(pages)('the %s page, given hostile values', (_name, page) => {
  it('never lets a hostile value out of its text or attribute', () => {
    for (const value of Object.values(HOSTILE)) expect(page).not.toContain(value);
    expect(page).not.toMatch(/<(?:script|svg|iframe|object|embed)/iu);
    expect(findTags(page, 'img')).toHaveLength(1);
    expect(page.match(/<title>/gu)).toHaveLength(1);
    expect(page.match(/<\/title>/gu)).toHaveLength(1);
    expect(textOf(page, 'title').endsWith(` · ${HOSTILE.appName}`)).toBe(true);
  });

  it('has no inline script, handler or style that the CSP would block', () => {
    expect(page).not.toContain('<script');
    expect(page).not.toContain(' style=');
    const names = findTags(page).flatMap((tag) => Object.keys(tag.attributes));
    expect(names.filter((name) => /^on[a-z]+$/u.test(name) || name === 'style')).toEqual([]);
    expect(
      findTags(page, 'a').every((tag) => !/^\s*javascript:/iu.test(tag.attributes.href ?? '')),
    ).toBe(true);
  });

  it('round-trips the hostile values that are carried in hidden fields', () => {
    const hidden = hiddenValues(page);
    if ('next' in hidden) expect(hidden.next).toBe(HOSTILE.next);
    if ('token' in hidden) expect(hidden.token).toBe(HOSTILE.next);
  });
});

describe.each(plainPages)('the %s page', (_name, page) => {
  it('is one English document with a single h1 inside main', () => {
    expect(page).toMatch(/^<!doctype html>\s*<html lang="en">/u);
    expect(findTags(page, 'h1')).toHaveLength(1);
    expect(page.indexOf('<h1>')).toBeGreaterThan(page.indexOf('<main id="main"'));
    expect(findTags(page, 'h2')).toHaveLength(0);
  });

  it('posts every form with the CSRF token and labels every field', () => {
    for (const form of page.matchAll(/<form(\s[^>]*)>([\s\S]*?)<\/form>/gu)) {
      expect(form[1]).toContain('method="post"');
      expect(hiddenValues(form[2] ?? '')._csrf).toBe(context.csrfToken);
    }
    expectAccessibleInputs(page);
  });

  it('uses each id once', () => {
    const ids = findTags(page).flatMap((tag) => tag.attributes.id ?? []);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every link descriptive text', () => {
    for (const link of page.matchAll(/<a\b[^>]*>([\s\S]*?)<\/a>/gu)) {
      const text = (link[1] ?? '').replace(/<[^>]*>/gu, '').trim();
      expect(text.length).toBeGreaterThan(3);
      expect(text).not.toMatch(/^(?:here|click here|link|more)$/iu);
    }
  });
});
