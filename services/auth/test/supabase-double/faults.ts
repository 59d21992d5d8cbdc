// Fault injection: the next N matching requests get a canned failure instead of normal processing.
import { goTrueErrors, type GoTrueError } from './gotrue-errors.js';

export type Fault =
  /** 429 `over_email_send_rate_limit`: project budget ("email rate limit exceeded") or per-user window. */
  | {
      readonly kind: 'email-rate-limit';
      readonly variant?: 'project-budget' | 'per-user-window';
      readonly seconds?: number;
    }
  /** 429 `over_request_rate_limit` (GoTrue's per-IP limiters). */
  | { readonly kind: 'request-rate-limit' }
  /** 500 `unexpected_failure` in GoTrue's envelope. */
  | { readonly kind: 'server-error' }
  /** 502 with an HTML body, as an edge proxy answers. */
  | { readonly kind: 'bad-gateway-html' }
  /** The socket is destroyed without any answer. */
  | { readonly kind: 'drop-connection' }
  /** The request is held for `ms` real milliseconds, then processed normally. */
  | { readonly kind: 'delay'; readonly ms: number };

export interface FaultMatch {
  /** Upper-case HTTP method; any when absent. */
  readonly method?: string;
  /** Prefix of the path below `/auth/v1` (a leading `/auth/v1` is accepted too); any when absent. */
  readonly pathPrefix?: string;
}

export type FaultSpec = Fault & FaultMatch & { readonly times?: number };

export interface FaultInjector {
  inject(spec: FaultSpec): void;
  /** Takes the first armed fault matching the request, counting one use. */
  take(method: string, path: string): Fault | null;
  pending(): number;
  clear(): void;
}

interface ArmedFault {
  readonly spec: FaultSpec;
  remaining: number;
}

export function createFaultInjector(): FaultInjector {
  let armed: ArmedFault[] = [];
  return {
    inject: (spec) => {
      const times = spec.times ?? 1;
      if (!Number.isInteger(times) || times < 1) {
        throw new RangeError('supabase double: fault times must be a positive integer');
      }
      armed.push({ spec, remaining: times });
    },
    take: (method, path) => {
      const entry = armed.find(({ spec }) => isMatch(spec, method, path));
      if (entry === undefined) return null;
      entry.remaining -= 1;
      armed = armed.filter((candidate) => candidate.remaining > 0);
      return entry.spec;
    },
    pending: () => armed.reduce((sum, entry) => sum + entry.remaining, 0),
    clear: () => {
      armed = [];
    },
  };
}

function isMatch(spec: FaultMatch, method: string, path: string): boolean {
  if (spec.method !== undefined && spec.method.toUpperCase() !== method) return false;
  if (spec.pathPrefix === undefined) return true;
  const prefix = spec.pathPrefix.replace(/^\/auth\/v1(?=\/|$)/, '');
  return path.startsWith(prefix);
}

/** The GoTrue error a fault stands for, when it is one (the rest are transport-level). */
export function faultAsGoTrueError(fault: Fault): GoTrueError | null {
  switch (fault.kind) {
    case 'email-rate-limit':
      return fault.variant === 'per-user-window'
        ? goTrueErrors.emailWindow(fault.seconds ?? 60)
        : goTrueErrors.emailBudget();
    case 'request-rate-limit':
      return goTrueErrors.requestRateLimit();
    case 'server-error':
      return goTrueErrors.unexpectedFailure();
    default:
      return null;
  }
}

export const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
  '<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';
