// What other workspaces (all-in-one start, end-to-end tests) use of the sample backend.
export { buildSampleBackendApp, METRIC_PREFIX, type SampleBackendDependencies } from './app.js';
export { type SampleBackendConfig, loadSampleBackendConfig } from './config/load-config.js';
export { sampleBackendErrors } from './errors/sample-backend-errors.js';
