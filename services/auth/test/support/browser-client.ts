// A cookie-keeping HTTP client that presents a browser's headers, for stories told over HTTP.
import { type Response, sendRaw } from '@authflow/testing';

export type { Response };

export interface SendOptions {
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly rawBody?: string | Buffer;
}

export class BrowserClient {
  readonly baseUrl: string;
  readonly profile: Readonly<Record<string, string>>;
  readonly jar = new Map<string, string>();
  /** The site the browser's pages come from (the gateway), sent as Origin. */
  readonly siteOrigin: string;

  constructor(
    baseUrl: string,
    profile: Readonly<Record<string, string>>,
    siteOrigin = new URL(baseUrl).origin,
  ) {
    this.baseUrl = baseUrl;
    this.profile = profile;
    this.siteOrigin = siteOrigin;
  }

  get(path: string, headers: Readonly<Record<string, string>> = {}): Promise<Response> {
    return this.send('GET', path, { headers });
  }

  post(path: string, options: SendOptions = {}): Promise<Response> {
    return this.send('POST', path, options);
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      ...this.profile,
      origin: this.siteOrigin,
      ...options.headers,
    };
    let body: string | Buffer | undefined = options.rawBody;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (cookie !== '' && headers.cookie === undefined) headers.cookie = cookie;
    const response = await sendRaw(this.baseUrl, method, path, headers, body);
    this.#remember(response.headers['set-cookie']);
    return response;
  }

  /** The CSRF token a page's form carries. */
  static csrfTokenOf(html: string): string {
    const token =
      /name="_csrf"\s+value="([^"]+)"/u.exec(html)?.[1] ??
      /value="([^"]+)"\s+name="_csrf"/u.exec(html)?.[1];
    if (token === undefined) throw new Error('no CSRF token on the page');
    return token.replaceAll('&amp;', '&');
  }

  #remember(setCookie: string | string[] | undefined): void {
    for (const line of setCookie === undefined
      ? []
      : Array.isArray(setCookie)
        ? setCookie
        : [setCookie]) {
      const [pair = ''] = line.split(';');
      const equals = pair.indexOf('=');
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (/max-age=0/iu.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}
