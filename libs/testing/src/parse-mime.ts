// Reads a raw RFC 5322 message as far as mail tests need: headers, nested multiparts, and
// quoted-printable or base64 bodies decoded back to the exact text (links intact).

export interface ParsedMail {
  /** Top-level headers, lower-case names, unfolded and RFC 2047 decoded; first occurrence wins. */
  readonly headers: ReadonlyMap<string, string>;
  readonly subject: string;
  /** The first text/plain part, decoded; '' when there is none. */
  readonly text: string;
  /** The first text/html part, decoded; '' when there is none. */
  readonly html: string;
}

interface Entity {
  readonly headers: ReadonlyMap<string, string>;
  /** One character per byte (latin1), decoded to text only once the charset is known. */
  readonly body: string;
}

export function parseMail(raw: Buffer | string): ParsedMail {
  const root = parseEntity(
    typeof raw === 'string' ? Buffer.from(raw).toString('latin1') : raw.toString('latin1'),
  );
  const leaves = flatten(root);
  return {
    headers: root.headers,
    subject: root.headers.get('subject') ?? '',
    text: firstBody(leaves, 'text/plain'),
    html: firstBody(leaves, 'text/html'),
  };
}

function parseEntity(source: string): Entity {
  const normalised = source.replace(/\r\n/gu, '\n');
  const split = normalised.indexOf('\n\n');
  const head = split === -1 ? normalised : normalised.slice(0, split);
  const body = split === -1 ? '' : normalised.slice(split + 2);
  return { headers: parseHeaders(head), body };
}

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  // Unfolding: a line break followed by whitespace continues the previous header.
  for (const line of head.replace(/\n(?=[ \t])/gu, '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeWords(utf8(line.slice(colon + 1).trim())));
  }
  return headers;
}

interface ContentType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

function contentTypeOf(entity: Entity): ContentType {
  const value = entity.headers.get('content-type') ?? 'text/plain; charset=us-ascii';
  const [type = ''] = value.split(';', 1);
  const params = new Map<string, string>();
  for (const match of value.matchAll(/;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/gu)) {
    const [, name = '', quoted = ''] = match;
    const unquoted = quoted.startsWith('"') ? quoted.slice(1, -1).replace(/\\(.)/gu, '$1') : quoted;
    params.set(name.toLowerCase(), unquoted);
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Every non-multipart entity, depth first, in the order they appear. */
function flatten(entity: Entity): Entity[] {
  const { type, params } = contentTypeOf(entity);
  const boundary = params.get('boundary');
  if (!type.startsWith('multipart/') || boundary === undefined) return [entity];
  return splitParts(entity.body, boundary).flatMap((part) => flatten(parseEntity(part)));
}

function splitParts(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split('\n')) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current !== undefined) parts.push(current.join('\n'));
      if (trimmed !== delimiter) return parts;
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current !== undefined) parts.push(current.join('\n'));
  return parts;
}

function firstBody(leaves: readonly Entity[], type: string): string {
  const leaf = leaves.find((entity) => {
    const disposition = entity.headers.get('content-disposition') ?? '';
    return (
      contentTypeOf(entity).type === type && !disposition.toLowerCase().startsWith('attachment')
    );
  });
  return leaf === undefined ? '' : decodeBody(leaf);
}

function decodeBody(entity: Entity): string {
  const encoding = (entity.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const charset = contentTypeOf(entity).params.get('charset') ?? 'utf-8';
  const bytes =
    encoding === 'base64'
      ? Buffer.from(entity.body.replace(/[^A-Za-z0-9+/=]/gu, ''), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(entity.body)
        : Buffer.from(entity.body, 'latin1');
  return decodeText(bytes, charset);
}

/** RFC 2045 6.7: trailing whitespace dropped, `=` at a line end joins lines, `=XX` is a byte. */
function decodeQuotedPrintable(body: string): Buffer {
  const joined = body
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/u, ''))
    .map((line, index, lines) =>
      line.endsWith('=') ? line.slice(0, -1) : index === lines.length - 1 ? line : `${line}\n`,
    )
    .join('');
  return Buffer.from(
    joined.replace(/=([0-9A-Fa-f]{2})/gu, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    ),
    'latin1',
  );
}

/** RFC 2047 encoded words (`=?utf-8?Q?...?=`); whitespace between two of them is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/gu, '$1')
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/gu,
      (_, charset: string, scheme: string, text: string) => {
        const bytes =
          scheme.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : Buffer.from(
                text
                  .replace(/_/gu, ' ')
                  .replace(/=([0-9A-Fa-f]{2})/gu, (__, hex: string) =>
                    String.fromCharCode(Number.parseInt(hex, 16)),
                  ),
                'latin1',
              );
        return decodeText(bytes, charset);
      },
    );
}

function decodeText(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

/** Header bytes read as latin1, re-read as UTF-8 (raw UTF-8 headers are allowed by RFC 6532). */
function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
