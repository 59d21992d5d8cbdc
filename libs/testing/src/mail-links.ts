// The links a reader of a test mail would follow: http(s) links of the text part in order, then
// any other `href` of the HTML part. Written apart from auth's own link finder on purpose: a
// test reads mail independently of the code under test (and the test kit imports no service).

const LINK = /https?:\/\/[^\s<>"]+/gu;
/** Sentence punctuation that may follow a link in prose but is not part of it. */
const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/u;

export function linksOf(text: string, html: string): string[] {
  const links = Array.from(text.matchAll(LINK), (match) =>
    match[0].replace(TRAILING_PUNCTUATION, ''),
  );
  for (const [, href = ''] of html.matchAll(/href="(https?:[^"]*)"/gu)) {
    const link = href.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
    if (!links.includes(link)) links.push(link);
  }
  return links;
}
