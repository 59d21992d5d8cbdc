// Kept only while auth's tests import it by path: they move to `@authflow/gateway/testing` and
// `@authflow/testing` (issue 14), then this file goes.
export { type Response, sendRaw } from '@authflow/testing';
export {
  type GatewayHarness,
  type GatewayHarnessOptions,
  startGateway,
  TEST_HANDOFF_SECRET,
} from '../testing/index.js';
