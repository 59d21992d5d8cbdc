// Public surface of @authflow/proxy-trust.
export { type ForwardedView, forwardedView } from './forwarded-view.js';
export { ASSIGNED_REQUEST_ID, requestIdGenerator } from './request-id.js';
export { compileTrust, fastifyTrustProxy, type TrustFunction } from './trusted-proxies.js';
