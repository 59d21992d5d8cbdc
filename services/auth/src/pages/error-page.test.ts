import { describe, expect, it } from 'vitest';
import { renderErrorPage } from './error-page.js';
import { makeContext } from './test-support/fixtures.js';
import { findTags, textOf } from './test-support/markup.js';

describe('renderErrorPage', () => {
  it('shows the title, message and status, with a way back to sign in', () => {
    const page = renderErrorPage(makeContext(), {
      status: 429,
      title: 'Too many attempts',
      message: 'Wait a minute, then try again.',
    });
    expect(textOf(page, 'title')).toBe('Too many attempts · Acme');
    expect(textOf(page, 'h1')).toBe('Too many attempts');
    expect(textOf(page, 'main')).toContain('Wait a minute, then try again.');
    expect(textOf(page, 'main')).toContain('429');
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain('/auth/login');
  });
});
