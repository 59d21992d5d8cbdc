// Public surface of @authflow/resilience.
export {
  type Breaker,
  BreakerMetrics,
  type BreakerOptions,
  type BreakerState,
  breakerState,
  createBreaker,
  isBreakerOpenError,
  isBreakerTimeoutError,
} from './create-breaker.js';
export {
  logBreakerTransitions,
  type TransitionLogger,
  type TransitionLogOptions,
} from './log-transitions.js';
