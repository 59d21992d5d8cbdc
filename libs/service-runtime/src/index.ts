// Public surface of @authflow/service-runtime.
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
