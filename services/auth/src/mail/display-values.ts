// How values from requests appear in mail: UTC dates anyone can read, one tidy line per value.

/** Longest a request-supplied value (device label, IP) may run in a mail. */
const MAX_VALUE_LENGTH = 120;

/** `Tue, 14 Jan 2025 15:09:26 UTC`: day-month order spelled out, so no reader misreads it. */
export function formatUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('mail: cannot show an invalid date');
  return date.toUTCString().replace(/GMT$/u, 'UTC');
}

/**
 * Control characters and line breaks collapsed, length capped: a value taken from a request
 * cannot add lines (fake headings, fake links on their own line) to the text body.
 */
export function singleLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const tidy = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/gu, ' ').trim();
  return tidy.length > MAX_VALUE_LENGTH ? `${tidy.slice(0, MAX_VALUE_LENGTH - 1)}…` : tidy;
}
