// Public surface of @authflow/errors.
export { createClientErrorHandler } from './client-error-handler.js';
export {
  ERROR_PAGE_CSP,
  type ErrorPageStatus,
  type ErrorPageView,
  hasErrorPage,
  renderErrorPage,
  renderSsiErrorPage,
} from './error-page.js';
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
