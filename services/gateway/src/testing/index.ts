// Test support of @authflow/gateway (`@authflow/gateway/testing`): never imported by service code.
export {
  type GatewayHarness,
  type GatewayHarnessOptions,
  startGateway,
  TEST_HANDOFF_SECRET,
} from './gateway-harness.js';
