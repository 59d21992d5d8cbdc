// What every load generator (wrk, or autocannon when wrk is missing) is asked and answers.

export interface LoadTarget {
  /** Short name, used for file names and logs. */
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * `Cookie` header values, one per request in turn (cycled). Empty: no cookie. Each request
   * takes the next one, so concurrent requests carry different sessions.
   */
  readonly cookies: readonly string[];
}

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  /** Use every cookie exactly once, then stop (memory check); the duration is then a ceiling. */
  readonly once?: boolean;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  /** Responses with status >= 400 (wrk's "status errors"; 3xx are not counted). */
  readonly errorStatuses: number;
  /** Connect, read, write failures and timeouts. */
  readonly socketErrors: number;
}

export interface LoadGenerator {
  readonly name: string;
  run(target: LoadTarget, options: LoadOptions): Promise<LoadResult>;
}
