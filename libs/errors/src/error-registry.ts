// Error codes declared once, with their HTTP status and default message (DESIGN.md §8).

export interface ErrorDefinition {
  readonly status: number;
  readonly message: string;
}

/** Optional extras carried by one error instance. */
export interface ErrorOptions {
  readonly message?: string;
  /** Extra fields rendered inside the `error` object, e.g. `login_url`, `reasons`. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Response headers to set, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** An error a service means to answer with: a stable code, a status, a safe message. */
export class AuthflowError extends Error {
  override readonly name = 'AuthflowError';
  readonly code: string;
  readonly statusCode: number;
  readonly details: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: string, definition: ErrorDefinition, options: ErrorOptions = {}) {
    super(options.message ?? definition.message, { cause: options.cause });
    this.code = code;
    this.statusCode = definition.status;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }
}

export function isAuthflowError(error: unknown): error is AuthflowError {
  return error instanceof AuthflowError;
}

export interface ErrorRegistry<Code extends string> {
  readonly definitions: Readonly<Record<Code, ErrorDefinition>>;
  /** Builds the error for a code: `throw registry.create('session_invalid')`. */
  create(code: Code, options?: ErrorOptions): AuthflowError;
  has(code: string): code is Code;
  status(code: Code): number;
}

/** Declares a service's codes. Codes are snake_case and never change once published. */
export function defineErrorRegistry<const Definitions extends Record<string, ErrorDefinition>>(
  definitions: Definitions,
): ErrorRegistry<Extract<keyof Definitions, string>> {
  type Code = Extract<keyof Definitions, string>;
  for (const [code, definition] of Object.entries(definitions)) {
    if (!/^[a-z][a-z0-9_]*$/u.test(code)) throw new Error(`error code ${code} is not snake_case`);
    if (
      !Number.isInteger(definition.status) ||
      definition.status < 400 ||
      definition.status > 599
    ) {
      throw new Error(`error code ${code} has status ${definition.status}, not 4xx/5xx`);
    }
  }
  const frozen = Object.freeze({ ...definitions }) as Readonly<Record<Code, ErrorDefinition>>;
  return {
    definitions: frozen,
    create: (code, options) => new AuthflowError(code, frozen[code], options),
    has: (code): code is Code => Object.hasOwn(frozen, code),
    status: (code) => frozen[code].status,
  };
}

/** The JSON body of every error response: `{"error": {"code", "message", "request_id", ...}}`. */
export function errorBody(
  code: string,
  message: string,
  requestId: string,
  details: Readonly<Record<string, unknown>> = {},
): { error: Record<string, unknown> } {
  return { error: { ...details, code, message, request_id: requestId } };
}
