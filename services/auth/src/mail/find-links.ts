// Finds the http(s) links in a plain-text mail body, in order, the way a reader would copy them.

const LINK = /https?:\/\/[^\s<>"]+/gu;
/** Sentence punctuation that may follow a link in prose but is not part of it. */
const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/u;

export function findLinks(text: string): string[] {
  return Array.from(text.matchAll(LINK), (match) => match[0].replace(TRAILING_PUNCTUATION, ''));
}
