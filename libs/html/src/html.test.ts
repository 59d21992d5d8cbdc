import { describe, expect, it } from 'vitest';
import { escapeHtml, html, trustedHtml, type HtmlValue } from './html.js';

describe('escapeHtml', () => {
  it('escapes the characters that can open a tag or close an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });

  it.each([
    ['&', '&amp;'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['`', '&#96;'],
  ])('escapes %s as %s', (character, entity) => {
    expect(escapeHtml(`a${character}b${character}`)).toBe(`a${entity}b${entity}`);
  });

  it('escapes an existing entity again (text is text, never markup)', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });

  it('leaves ordinary text alone', () => {
    expect(escapeHtml('Chrome 131 on macOS · 203.0.113.7')).toBe(
      'Chrome 131 on macOS · 203.0.113.7',
    );
  });
});

describe('html', () => {
  it('escapes every interpolated string, in text and in attributes', () => {
    const email = '"><script>alert(1)</script>';
    // prettier-ignore
    const markup = html`<input value="${email}"><p>${email}</p>`.toString();
    expect(markup).not.toContain('<script');
    expect(markup).toBe(
      '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><p>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it('nests templates without escaping them twice', () => {
    const inner = html`<strong>${'a & b'}</strong>`;
    expect(html`<p>${inner}</p>`.toString()).toBe('<p><strong>a &amp; b</strong></p>');
    expect(html`<div>${html`<p>${inner}</p>`}</div>`.toString()).toBe(
      '<div><p><strong>a &amp; b</strong></p></div>',
    );
  });

  it('renders arrays in order and skips false, null and undefined', () => {
    const items: HtmlValue[] = ['<one>', html`<li>two</li>`, false, null, undefined, [3, '&']];
    // prettier-ignore
    expect(html`<ul>${items}</ul>`.toString()).toBe('<ul>&lt;one&gt;<li>two</li>3&amp;</ul>');
  });

  // Regression: two of the three escapers this one replaced let a backtick through.
  it('escapes a backtick in an attribute value', () => {
    // prettier-ignore
    expect(html`<input value="${'`onfocus=alert(1)'}">`.toString()).toBe(
      '<input value="&#96;onfocus=alert(1)">',
    );
  });

  it('renders numbers as text', () => {
    expect(html`<p>${429}</p>`.toString()).toBe('<p>429</p>');
  });

  it('escapes an object that only looks like safe markup', () => {
    const impostor = { toString: () => '<script>' } as unknown as string;
    expect(html`${impostor}`.toString()).toBe('&lt;script&gt;');
  });

  it('inserts markup marked trusted as is', () => {
    expect(html`<p>${trustedHtml('<br>')}</p>`.toString()).toBe('<p><br></p>');
  });
});
