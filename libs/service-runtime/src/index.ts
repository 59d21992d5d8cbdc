// Public surface of @authflow/service-runtime.
export {
  createServiceApp,
  INSECURE_COOKIES_WARNING,
  type ServiceAppOptions,
  type ServiceServerOptions,
} from './create-service-app.js';
// Also brings the decorations of the shared plugins into a service's types: `app.metrics`,
// `app.addReadinessCheck`, a route's `config.metricsRoute`.
export type { ReadinessCheck } from '@authflow/observability';
export {
  ListenError,
  type RunningServices,
  type RunOptions,
  runServices,
  type ServiceToRun,
} from './run-services.js';
export { type ProcessIo, startOrExit } from './start-or-exit.js';
export {
  DependencyUnreachableError,
  waitUntilReady,
  type WaitUntilReadyOptions,
} from './wait-until-ready.js';
