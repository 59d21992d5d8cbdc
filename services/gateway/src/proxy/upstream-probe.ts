// Recovery of an upstream whose process was gone: while its breaker is open because connections
// were refused, a TCP connect every PROBE_INTERVAL_MS closes the breaker as soon as something
// listens again, instead of clients waiting out the whole reset timeout for a trial request.
import { connect } from 'node:net';
import type { Breaker } from '@authflow/resilience';
import { codesOf } from './forward-errors.js';

const PROBE_INTERVAL_MS = 500;

/**
 * Failures that say nothing listens (or the host cannot be reached): a connect succeeding later is
 * news. Timeouts and resets are not here: an upstream that accepts connections and then hangs or
 * fails would pass a connect probe, so those wait for the breaker's own trial request.
 */
const NOTHING_LISTENING = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function isNothingListening(error: unknown): boolean {
  return codesOf(error).some((code) => NOTHING_LISTENING.has(code));
}

/**
 * Watches `breaker`: when it opens on a failure that says nothing listens at `url`, a connect is
 * tried every PROBE_INTERVAL_MS (one at a time, no HTTP request: nothing reaches the upstream
 * without a session) and the first that succeeds closes the breaker. Stops when the breaker
 * closes or is shut down.
 */
export function probeWhenRefused(
  breaker: Breaker<[() => Promise<void>], void>,
  url: string,
  connectTimeoutMs: number,
): void {
  const { hostname, port, protocol } = new URL(url);
  const target = {
    host: hostname.replace(/^\[|\]$/gu, ''),
    port: Number(port === '' ? (protocol === 'https:' ? 443 : 80) : port),
  };
  let lastFailureRefused = false;
  let timer: NodeJS.Timeout | undefined;
  let probing = false;
  const stop = (): void => {
    clearInterval(timer);
    timer = undefined;
  };
  const probe = (): void => {
    if (probing) return;
    probing = true;
    const socket = connect(target);
    socket.setTimeout(connectTimeoutMs);
    const done = (reachable: boolean): void => {
      socket.destroy();
      probing = false;
      if (reachable && timer !== undefined && !breaker.closed) breaker.close();
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  };
  breaker.on('failure', (error: unknown) => {
    lastFailureRefused = isNothingListening(error);
  });
  breaker.on('open', () => {
    if (!lastFailureRefused || timer !== undefined) return;
    timer = setInterval(probe, PROBE_INTERVAL_MS);
    timer.unref();
  });
  breaker.on('close', stop);
  breaker.on('shutdown', stop);
}
