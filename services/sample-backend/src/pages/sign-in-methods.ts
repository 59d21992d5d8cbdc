// The assertion's `amr` claim (RFC 8176 method codes) in words a person reads on the page.

const METHOD_WORDS: Readonly<Record<string, string>> = {
  pwd: 'a password',
  otp: 'a one-time code',
  totp: 'a one-time code',
  mfa: 'a second factor',
  fed: 'an external provider',
  hwk: 'a security key',
  swk: 'a security key',
  key: 'an API key',
};

/** Methods that are a second factor themselves: with one of them, `mfa` adds nothing to say. */
const SECOND_FACTORS = new Set(['otp', 'totp', 'hwk', 'swk']);

/**
 * `['pwd']` → "a password"; `['pwd', 'mfa']` → "a password and a second factor". Codes this
 * page does not know are named as they are, so nothing the gateway says is hidden.
 */
export function describeSignInMethods(amr: readonly string[]): string {
  const hasNamedSecondFactor = amr.some((code) => SECOND_FACTORS.has(code));
  const words = amr
    .filter((code) => !(code === 'mfa' && hasNamedSecondFactor))
    .map((code) => METHOD_WORDS[code] ?? `another method (${code})`);
  const unique = [...new Set(words)];
  if (unique.length === 0) return 'a method the gateway did not name';
  const last = unique.pop() ?? '';
  return unique.length === 0 ? last : `${unique.join(', ')} and ${last}`;
}
