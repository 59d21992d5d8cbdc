// Request log of the double, so tests can assert headers, query and body the SDK actually sent.

export interface RecordedRequest {
  readonly method: string;
  /** Full URL path, e.g. `/auth/v1/token`. */
  readonly path: string;
  /** Path below `/auth/v1`, or `null` for requests outside it. */
  readonly authPath: string | null;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body; `undefined` when empty or not JSON (see `rawBody`). */
  readonly body: unknown;
  readonly rawBody: string;
  readonly receivedAt: Date;
}

export interface RequestFilter {
  readonly method?: string;
  /** Exact path below `/auth/v1`, e.g. `/token`. */
  readonly authPath?: string;
}

export interface RequestRecorder {
  record(request: RecordedRequest): void;
  list(filter?: RequestFilter): RecordedRequest[];
  clear(): void;
}

export function createRequestRecorder(): RequestRecorder {
  const log: RecordedRequest[] = [];
  return {
    record: (request) => {
      log.push(request);
    },
    list: (filter = {}) =>
      log.filter(
        (request) =>
          (filter.method === undefined || request.method === filter.method.toUpperCase()) &&
          (filter.authPath === undefined || request.authPath === filter.authPath),
      ),
    clear: () => {
      log.length = 0;
    },
  };
}

export function parseRecordedBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
