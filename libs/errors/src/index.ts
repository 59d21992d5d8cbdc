// Public surface of @authflow/errors.
export { createClientErrorHandler } from './client-error-handler.js';
export {
  type ErrorHandlerOptions,
  errorHandlerOptions,
  errorHandlerPlugin,
} from './error-handler.plugin.js';
export {
  AuthflowError,
  defineErrorRegistry,
  type ErrorDefinition,
  type ErrorOptions,
  type ErrorRegistry,
  errorBody,
  isAuthflowError,
} from './error-registry.js';
export { readErrorTable } from './readme-error-table.js';
