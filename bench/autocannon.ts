// autocannon as the load generator when wrk is missing: installed at run time into bench/.tools,
// run inside this (load-CPU-pinned) process, cycling cookies in setupRequest.
import { asFunction, importFrom } from './peer-modules.ts';
import type { LoadGenerator, LoadOptions, LoadResult, LoadTarget } from './load-generator.ts';

interface AutocannonRequest {
  headers?: Record<string, string>;
}
interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly amount?: number;
  readonly timeout: number;
  readonly requests: readonly {
    readonly method: string;
    readonly path: string;
    readonly headers: Record<string, string>;
    readonly setupRequest: (request: AutocannonRequest) => AutocannonRequest;
  }[];
}
interface AutocannonLatency {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}
interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly latency: AutocannonLatency;
  readonly duration: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly '3xx'?: number;
  readonly errors: number;
  readonly timeouts: number;
}
type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;

export async function createAutocannon(toolsDir: string): Promise<LoadGenerator> {
  const namespace = await importFrom(toolsDir, 'autocannon');
  const autocannon = asFunction<Autocannon>(
    Reflect.get(Object(namespace), 'default'),
    'autocannon',
  );
  return {
    name: 'autocannon',
    run: async (target: LoadTarget, options: LoadOptions): Promise<LoadResult> => {
      let next = 0;
      const cookies = target.cookies;
      const result = await autocannon({
        url: target.origin,
        connections: options.connections,
        duration: options.durationSeconds,
        ...(options.once === true ? { amount: cookies.length } : {}),
        timeout: 10,
        requests: [
          {
            method: 'GET',
            path: target.path,
            headers: { ...target.headers },
            setupRequest: (request) => {
              if (cookies.length > 0) {
                request.headers = {
                  ...request.headers,
                  cookie: cookies[next % cookies.length] ?? '',
                };
                next += 1;
              }
              return request;
            },
          },
        ],
      });
      const requests = result.requests.total;
      return {
        requests,
        seconds: result.duration,
        requestsPerSecond: requests / result.duration,
        latencyMs: {
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          mean: result.latency.mean,
        },
        // autocannon counts 3xx as non-2xx; the setups here expect 2xx, so both mean trouble.
        errorStatuses: result.non2xx,
        socketErrors: result.errors + result.timeouts,
      };
    },
  };
}
