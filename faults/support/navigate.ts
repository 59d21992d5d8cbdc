// A browser navigation for fault tests. fetch() cannot make one: undici always sends
// `Sec-Fetch-Mode: cors`, which marks a script's request, so this goes through node:http.
import { request } from 'node:http';

export interface PageResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** What Chrome sends when the user opens a page (a link, the address bar, a form post). */
export const NAVIGATION_HEADERS: Readonly<Record<string, string>> = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
};

/**
 * Opens `url` as a browser navigation (a GET, or a form post with `form`), with `headers` (a
 * device's) added. No redirects followed.
 */
export function navigate(
  url: string,
  headers: Readonly<Record<string, string>> = {},
  form?: string,
): Promise<PageResponse> {
  const post =
    form === undefined
      ? {}
      : {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(form)),
        };
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: form === undefined ? 'GET' : 'POST',
        headers: { ...NAVIGATION_HEADERS, ...post, ...headers },
        agent: false,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(form);
  });
}
