// A path is routed only in its canonical form, so encodings cannot change which route (and so
// which access rule) applies: `/app/../auth/`, `%2e%2e`, `..;`, `//`, backslashes are refused.

/** Encoded characters that would turn into separators or terminators once an upstream decodes. */
const ENCODED_SEPARATORS = /%(?:2f|5c|00)/iu;

export function isCanonicalPath(url: string): boolean {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  if (!path.startsWith('/') || path.includes('//') || path.includes('\\')) return false;
  if (ENCODED_SEPARATORS.test(path)) return false;
  // eslint-disable-next-line no-control-regex -- control characters never belong in a path
  if (/[\u0000-\u001f\u007f]/u.test(path)) return false;
  for (const segment of path.split('/')) {
    // Only segments that could spell a dot segment (a dot, or any escape) need decoding.
    if (!segment.includes('.') && !segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    // `..;jsessionid` is `..` to servers that strip matrix parameters.
    const bare = decoded.split(';', 1)[0];
    if (bare === '.' || bare === '..') return false;
  }
  // A malformed escape anywhere is refused too (not just in dotted segments).
  try {
    decodeURIComponent(path);
  } catch {
    return false;
  }
  return true;
}
