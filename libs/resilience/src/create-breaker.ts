// Circuit breakers (opossum) for every hop, with their state exported as a metric.
import CircuitBreaker from 'opossum';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface BreakerOptions {
  /** The dependency's name, used in metrics and logs (`redis`, `upstream:auth`, `supabase`). */
  readonly name: string;
  /** Calls slower than this count as failures; `false` when the action has its own timeout. */
  readonly timeoutMs: number | false;
  /** Failure percentage in the rolling window that opens the breaker. */
  readonly errorThresholdPercentage?: number;
  /** How long the breaker stays open before letting one trial call through. */
  readonly resetTimeoutMs?: number;
  /** Calls in the window before the percentage counts (a single early failure does not open it). */
  readonly volumeThreshold?: number;
  readonly rollingWindowMs?: number;
  /** Which rejections are the dependency's fault. Others (e.g. "not found") do not count. */
  readonly isFailure?: (error: unknown) => boolean;
}

export type Breaker<Args extends unknown[], Result> = CircuitBreaker<Args, Result>;
export type BreakerState = 'closed' | 'open' | 'half_open';

export function createBreaker<Args extends unknown[], Result>(
  action: (...args: Args) => Promise<Result>,
  options: BreakerOptions,
): Breaker<Args, Result> {
  const isFailure = options.isFailure ?? (() => true);
  return new CircuitBreaker(action, {
    name: options.name,
    timeout: options.timeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    resetTimeout: options.resetTimeoutMs ?? 5_000,
    volumeThreshold: options.volumeThreshold ?? 5,
    rollingCountTimeout: options.rollingWindowMs ?? 10_000,
    // opossum's filter says which errors to ignore; ours says which ones count.
    errorFilter: (error: unknown) => !isFailure(error),
  });
}

export function breakerState(breaker: Breaker<never[], unknown> | CircuitBreaker): BreakerState {
  if (breaker.opened) return 'open';
  if (breaker.halfOpen) return 'half_open';
  return 'closed';
}

/** True for the rejection a breaker gives without calling its dependency. */
export function isBreakerOpenError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EOPENBREAKER';
}

/** True for opossum's own timeout rejection. */
export function isBreakerTimeoutError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ETIMEDOUT';
}

const STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

/**
 * `<prefix>breaker_state{dependency}` (0 closed, 1 half-open, 2 open) and
 * `<prefix>breaker_transitions_total{dependency,state}` for every tracked breaker.
 */
export class BreakerMetrics {
  readonly #state: Gauge<'dependency'>;
  readonly #transitions: Counter<'dependency' | 'state'>;

  constructor(registry: Registry, prefix: string) {
    this.#state = new Gauge({
      name: `${prefix}breaker_state`,
      help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open',
      labelNames: ['dependency'],
      registers: [registry],
    });
    this.#transitions = new Counter({
      name: `${prefix}breaker_transitions_total`,
      help: 'Circuit breaker state changes per dependency',
      labelNames: ['dependency', 'state'],
      registers: [registry],
    });
  }

  track(breaker: CircuitBreaker): void {
    const dependency = breaker.name;
    const record = (state: BreakerState): void => {
      this.#state.set({ dependency }, STATE_VALUE[state]);
      this.#transitions.inc({ dependency, state });
    };
    this.#state.set({ dependency }, STATE_VALUE[breakerState(breaker)]);
    breaker.on('open', () => record('open'));
    breaker.on('halfOpen', () => record('half_open'));
    breaker.on('close', () => record('closed'));
  }
}
