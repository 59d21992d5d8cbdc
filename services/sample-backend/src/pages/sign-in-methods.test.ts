import { describe, expect, it } from 'vitest';
import { describeSignInMethods } from './sign-in-methods.js';

describe('describeSignInMethods (issue 13: "Signed in with pwd" was jargon)', () => {
  it.each([
    [['pwd'], 'a password'],
    [['pwd', 'mfa'], 'a password and a second factor'],
    [['pwd', 'otp'], 'a password and a one-time code'],
    [['pwd', 'totp', 'mfa'], 'a password and a one-time code'],
    [['pwd', 'hwk', 'mfa'], 'a password and a security key'],
    [['swk'], 'a security key'],
    [['fed'], 'an external provider'],
    [['fed', 'mfa'], 'an external provider and a second factor'],
    [['mfa'], 'a second factor'],
    [['key'], 'an API key'],
    [['pwd', 'otp', 'hwk'], 'a password, a one-time code and a security key'],
    [['otp', 'totp'], 'a one-time code'],
  ])('says %j as "%s"', (amr, words) => {
    expect(describeSignInMethods(amr)).toBe(words);
  });

  it('names a method it does not know rather than hiding it', () => {
    expect(describeSignInMethods(['pwd', 'retina'])).toBe('a password and another method (retina)');
  });

  it('says so when the gateway named no method', () => {
    expect(describeSignInMethods([])).toBe('a method the gateway did not name');
  });
});
