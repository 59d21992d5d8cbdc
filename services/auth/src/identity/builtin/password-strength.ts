// Whether a new password is strong enough, and why not in plain words: the length and
// common-password rules first, then zxcvbn-ts (score ≥ 3) with the account's own words.
import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';
import { checkPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-policy.js';

/** zxcvbn's 0–4 scale; 3 = "safely unguessable: moderate protection from offline slow-hash attacks". */
export const MIN_STRENGTH_SCORE = 3;

/**
 * zxcvbn's cost grows steeply with length (a 64-character random string took ~1 s with the
 * defaults): only the first 40 characters are scored and l33t substitutions are capped, which
 * keeps a check around 10–30 ms. 40 unguessable characters are strong whatever follows.
 */
const SCORED_LENGTH = 40;
const L33T_MAX_SUBSTITUTIONS = 8;

export type PasswordRule = 'length' | 'common' | 'personal' | 'guessable';

/** What the password must not be built from: the account's address and name. */
export interface PasswordOwner {
  readonly email?: string | undefined;
  readonly name?: string | undefined;
}

export type PasswordAssessment =
  | { readonly ok: true; readonly score: number }
  | {
      readonly ok: false;
      /** Stable codes for the API's `reasons`. */
      readonly reasons: readonly PasswordRule[];
      /** One sentence saying what is wrong. */
      readonly message: string;
      /** What to do instead (may be empty). */
      readonly suggestions: readonly string[];
    };

const PERSONAL = "Don't use your email address or name in your password.";
const GUESSABLE = 'This password would be easy to guess.';
const HOW_TO = 'A few unrelated words make a strong password that is easy to remember.';

let factory: ZxcvbnFactory | undefined;

/**
 * The dictionaries are ranked once per process (~250 ms), on first use or at `preparePasswordStrength`;
 * every later check reuses them.
 */
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: {
      ...translations,
      warnings: { ...translations.warnings, userInputs: PERSONAL },
    },
    graphs: adjacencyGraphs,
    dictionary: { ...commonDictionary, ...englishDictionary },
    maxLength: SCORED_LENGTH,
    l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
  });
  return factory;
}

/** Ranks the dictionaries now (at start), so the first sign-up does not pay for it. */
export function preparePasswordStrength(): void {
  estimator();
}

/** The words a password must not lean on: the address, its local part, the name and its parts. */
export function ownerWords(owner: PasswordOwner): string[] {
  const words = new Set<string>();
  const add = (value: string | undefined): void => {
    const word = value?.trim().toLowerCase();
    if (word !== undefined && word.length >= 3) words.add(word);
  };
  const email = owner.email?.trim().toLowerCase();
  if (email !== undefined && email !== '') {
    add(email);
    const at = email.lastIndexOf('@');
    add(at > 0 ? email.slice(0, at) : email);
  }
  add(owner.name);
  for (const part of owner.name?.split(/\s+/u) ?? []) add(part);
  return [...words];
}

/** True when the password is the owner's address, its local part or name (a cheap check). */
export function isOwnersWord(password: string, owner: PasswordOwner): boolean {
  const lowered = password.toLowerCase();
  return ownerWords(owner).some((word) => lowered === word);
}

/**
 * The one policy for every new password: sign-up, reset, and the account page's change of
 * password. Cheap rules first, so most refusals never reach zxcvbn.
 */
export function assessPassword(password: string, owner: PasswordOwner = {}): PasswordAssessment {
  const basic = checkPassword(password);
  if (basic.includes('length')) {
    return refuse('length', `Use ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`, [
      HOW_TO,
    ]);
  }
  if (basic.includes('common')) {
    return refuse('common', 'This is one of the most commonly used passwords.', [
      'Choose another.',
      HOW_TO,
    ]);
  }
  if (isOwnersWord(password, owner)) return refuse('personal', PERSONAL, [HOW_TO]);
  const words = ownerWords(owner);
  const result = estimator().check(password, words);
  if (result.score >= MIN_STRENGTH_SCORE) return { ok: true, score: result.score };
  return refuse(
    usesOwnerWords(result) ? 'personal' : 'guessable',
    result.feedback.warning ?? GUESSABLE,
    result.feedback.suggestions.length > 0 ? result.feedback.suggestions : [HOW_TO],
  );
}

function usesOwnerWords(result: ZxcvbnResult): boolean {
  return result.sequence.some(
    (match) => (match as { dictionaryName?: unknown }).dictionaryName === 'userInputs',
  );
}

function refuse(
  reason: PasswordRule,
  message: string,
  suggestions: readonly string[],
): PasswordAssessment {
  return { ok: false, reasons: [reason], message, suggestions };
}
