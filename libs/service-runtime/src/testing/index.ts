// Test support of @authflow/service-runtime (`@authflow/service-runtime/testing`): never imported by service code.
export { type MainOutcome, type RunMainOptions, runMainFromSource } from './run-main.js';
