// Public surface of @authflow/proxy-trust.
export { requestIdGenerator } from './request-id.js';
export { compileTrust, fastifyTrustProxy, type TrustFunction } from './trusted-proxies.js';
