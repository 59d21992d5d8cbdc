import { describe, expect, it } from 'vitest';
import { isSameOrigin } from './is-same-origin.js';

describe('isSameOrigin', () => {
  it('accepts a client that sends no Origin (not a browser)', () => {
    expect(isSameOrigin({ host: 'backend:8002' })).toBe(true);
  });

  it('compares the Origin with the host the gateway says the browser addressed', () => {
    const forwarded = { host: 'backend:8002', 'x-forwarded-host': 'app.example.com' };
    expect(isSameOrigin({ ...forwarded, origin: 'https://app.example.com' })).toBe(true);
    expect(isSameOrigin({ ...forwarded, origin: 'https://evil.example' })).toBe(false);
    expect(isSameOrigin({ ...forwarded, origin: 'https://app.example.com.evil.example' })).toBe(
      false,
    );
  });

  it('falls back to Host without a gateway in between', () => {
    expect(isSameOrigin({ host: '127.0.0.1:8002', origin: 'http://127.0.0.1:8002' })).toBe(true);
    expect(isSameOrigin({ host: '127.0.0.1:8002', origin: 'http://127.0.0.1:9999' })).toBe(false);
  });

  it('treats default ports and letter case as the same host', () => {
    expect(isSameOrigin({ host: 'App.Example.com:443', origin: 'https://app.example.com' })).toBe(
      true,
    );
  });

  it('refuses opaque and unparsable origins', () => {
    for (const origin of ['null', 'file://', 'not a url', 'chrome-extension://abc']) {
      expect(isSameOrigin({ host: 'app.example.com', origin })).toBe(false);
    }
  });
});
