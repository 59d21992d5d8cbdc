// The enrollment QR code: an inline SVG element carrying the URI only as drawn modules.
import { describe, expect, it } from 'vitest';
import { qrSvg } from './qr-svg.js';

const URI =
  'otpauth://totp/Acme:ada%40example.com?issuer=Acme&secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30';

describe('qrSvg', () => {
  it('is one <svg> element without an XML prolog, labelled for screen readers', async () => {
    const svg = await qrSvg(URI);
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).not.toContain('<?xml');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('viewBox="0 0 ');
  });

  it('holds nothing but shapes: no script, no link, no text of the URI', async () => {
    const svg = await qrSvg(`${URI}&x=<script>alert(1)</script>`);
    const tags = new Set([...svg.matchAll(/<\/?([a-zA-Z]+)/gu)].map((match) => match[1]));
    expect([...tags].sort()).toEqual(['path', 'svg']);
    expect(svg).not.toContain('JBSWY3DPEHPK3PXP');
    expect(svg).not.toMatch(/href|on[a-z]+=/iu);
  });

  it('draws different URIs differently and the same URI the same', async () => {
    expect(await qrSvg(URI)).toBe(await qrSvg(URI));
    expect(await qrSvg(URI)).not.toBe(await qrSvg(URI.replace('JBSW', 'KBSW')));
  });
});
