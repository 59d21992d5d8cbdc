// Fault injection as supabase-js sees it: retryable 5xx, dropped connections, 429s and slow replies.
import { isAuthApiError, isAuthRetryableFetchError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const sdk = () => createSdkClient(double());

const recover = () => sdk().auth.resetPasswordForEmail('someone@example.com');

describe('transport-level faults', () => {
  it('500 unexpected_failure becomes AuthRetryableFetchError', async () => {
    double().injectFault({ kind: 'server-error' });
    const { error } = await recover();
    expect(isAuthRetryableFetchError(error)).toBe(true);
    expect(isAuthApiError(error)).toBe(false);
    expect(error?.status).toBe(500);
  });

  it('a 502 HTML page becomes AuthRetryableFetchError', async () => {
    double().injectFault({ kind: 'bad-gateway-html' });
    const { error } = await recover();
    expect(isAuthRetryableFetchError(error)).toBe(true);
    expect(error?.status).toBe(502);
  });

  it('a dropped connection becomes AuthRetryableFetchError with status 0', async () => {
    double().injectFault({ kind: 'drop-connection' });
    const { error } = await recover();
    expect(isAuthRetryableFetchError(error)).toBe(true);
    expect(error?.status).toBe(0);
  });

  it('the legacy 500 body carries error_id', async () => {
    double().injectFault({ kind: 'server-error' });
    const response = await rawRequest(double(), 'POST', '/recover', { body: '{}' });
    expect(response.status).toBe(500);
    expect(response.json).toMatchObject({
      code: 500,
      error_code: 'unexpected_failure',
      error_id: expect.any(String),
    });
  });
});

describe('rate-limit faults', () => {
  it('answers both over_email_send_rate_limit variants and over_request_rate_limit as AuthApiError', async () => {
    double().injectFault({ kind: 'email-rate-limit' });
    double().injectFault({ kind: 'email-rate-limit', variant: 'per-user-window', seconds: 42 });
    double().injectFault({ kind: 'request-rate-limit' });

    const budget = await recover();
    const window = await recover();
    const requests = await recover();

    expect(isAuthApiError(budget.error)).toBe(true);
    expect(budget.error).toMatchObject({
      status: 429,
      code: 'over_email_send_rate_limit',
      message: 'email rate limit exceeded',
    });
    expect(window.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
    expect(window.error?.message).toContain('42 seconds');
    expect(requests.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
    expect(double().pendingFaults()).toBe(0);
  });
});

describe('fault matching', () => {
  it('hits only the matching method and path prefix, for the given number of times', async () => {
    double().injectFault({
      kind: 'request-rate-limit',
      method: 'POST',
      pathPrefix: '/token',
      times: 2,
    });

    expect((await recover()).error).toBeNull();
    const login = () =>
      sdk().auth.signInWithPassword({ email: 'someone@example.com', password: 'pw-123456' });
    expect((await login()).error).toMatchObject({ code: 'over_request_rate_limit' });
    expect((await login()).error).toMatchObject({ code: 'over_request_rate_limit' });
    expect((await login()).error).toMatchObject({ code: 'invalid_credentials' });
  });

  it('leaves state untouched: the faulted request is never processed', async () => {
    double().injectFault({ kind: 'server-error', pathPrefix: '/auth/v1/signup' });
    await sdk().auth.signUp({ email: 'new@example.com', password: 'pw-123456' });
    expect(double().findUser('new@example.com')).toBeUndefined();
    expect(double().requests({ authPath: '/signup' })).toHaveLength(1);
  });
});

describe('slow replies', () => {
  it('holds the reply for the configured delay, then answers normally', async () => {
    double().injectFault({ kind: 'delay', ms: 300 });
    const started = performance.now();
    const { error } = await recover();
    expect(error).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('lets a client timeout turn a slow reply into AuthRetryableFetchError (status 0)', async () => {
    double().injectFault({ kind: 'delay', ms: 300 });
    const withTimeout: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(100) });
    const { error } = await createSdkClient(double(), {
      fetch: withTimeout,
    }).auth.resetPasswordForEmail('someone@example.com');
    expect(isAuthRetryableFetchError(error)).toBe(true);
    expect(error?.status).toBe(0);
  });
});
