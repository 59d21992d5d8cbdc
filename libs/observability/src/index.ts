// Public surface of @authflow/observability.
export { healthPlugin, type HealthPluginOptions, type ReadinessCheck } from './health.plugin.js';
export { createLogger, type LoggerSettings } from './logger.js';
export { lazyChildLoggerFactory } from './lazy-child-logger.js';
export { metricsPlugin, type MetricsPluginOptions, REQUEST_ARRIVED_AT } from './metrics.plugin.js';
