// Tiny regex readers for rendered pages, enough for tests to check tags and attributes.
//
// They rely on what the html tag guarantees: attribute values are double-quoted and never
// contain a raw `<`, `>` or `"`, so a tag ends at the first `>`.

export interface Tag {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#96;': '`',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|#96);/gu, (entity) => ENTITIES[entity] ?? entity);
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(/([^\s="'>/]+)(?:="([^"]*)")?/gu)) {
    attributes[match[1]!.toLowerCase()] = decodeEntities(match[2] ?? '');
  }
  return attributes;
}

/** Every start tag, or only those named `name`, in document order. */
export function findTags(markup: string, name?: string): Tag[] {
  const pattern = /<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>/gu;
  const tags: Tag[] = [];
  for (const match of markup.matchAll(pattern)) {
    const tagName = match[1]!.toLowerCase();
    if (name === undefined || tagName === name) {
      tags.push({ name: tagName, attributes: parseAttributes(match[2] ?? '') });
    }
  }
  return tags;
}

/** The single element with this id; fails the test when there is none or more than one. */
export function findById(markup: string, id: string): Tag {
  const matches = findTags(markup).filter((tag) => tag.attributes.id === id);
  if (matches.length !== 1)
    throw new Error(`expected one element with id="${id}", found ${matches.length}`);
  return matches[0]!;
}

/** The inner markup of the form posting to `action` (forms are never nested). */
export function findForm(markup: string, action: string): { tag: Tag; inner: string } {
  for (const match of markup.matchAll(/<form(\s[^>]*)>([\s\S]*?)<\/form>/gu)) {
    const attributes = parseAttributes(match[1] ?? '');
    if (attributes.action === action) {
      return { tag: { name: 'form', attributes }, inner: match[2] ?? '' };
    }
  }
  throw new Error(`no form with action="${action}"`);
}

/** The inputs a user fills in, i.e. not hidden ones. */
export function visibleInputs(markup: string): Tag[] {
  return findTags(markup, 'input').filter((tag) => tag.attributes.type !== 'hidden');
}

/** Hidden inputs by name. */
export function hiddenValues(markup: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const tag of findTags(markup, 'input')) {
    if (tag.attributes.type === 'hidden')
      values[tag.attributes.name ?? ''] = tag.attributes.value ?? '';
  }
  return values;
}

/** The text content of the first element `name`, with tags removed and entities decoded. */
export function textOf(markup: string, name: string): string {
  const match = new RegExp(`<${name}\\b[^>]*>([\\s\\S]*?)</${name}>`, 'u').exec(markup);
  if (match === null) throw new Error(`no <${name}> element`);
  return decodeEntities((match[1] ?? '').replace(/<[^>]*>/gu, ''))
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The text content of the element with this id (which must not contain its own tag name). */
export function textById(markup: string, id: string): string {
  const pattern = new RegExp(`<([a-z][a-z0-9]*)\\b[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</\\1>`, 'u');
  const match = pattern.exec(markup);
  if (match === null) throw new Error(`no element with id="${id}"`);
  return decodeEntities((match[2] ?? '').replace(/<[^>]*>/gu, ''))
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The inner markup of the `<section>` labelled by the heading with this id. */
export function sectionLabelledBy(markup: string, headingId: string): string {
  const match = new RegExp(
    `<section[^>]*aria-labelledby="${headingId}"[^>]*>([\\s\\S]*?)</section>`,
    'u',
  ).exec(markup);
  if (match === null) throw new Error(`no section labelled by ${headingId}`);
  return match[1] ?? '';
}
