// Public surface of @authflow/proxy-trust.
export { requestIdGenerator } from './request-id.js';
export { compileTrust, type TrustFunction } from './trusted-proxies.js';
