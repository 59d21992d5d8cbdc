// The parsed request a route handler of the double receives, and the handler signature.
import type { DoubleCore } from './double-core.js';
import type { Reply } from './reply.js';

export interface DoubleRequest {
  readonly method: string;
  /** Path below `/auth/v1`, e.g. `/token`. */
  readonly path: string;
  /** Values of `:name` segments of the matched route pattern. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  /** The IP GoTrue would see (see `clientIpOf`). */
  readonly clientIp: string;
}

export type RouteHandler = (request: DoubleRequest, core: DoubleCore) => Reply | Promise<Reply>;
