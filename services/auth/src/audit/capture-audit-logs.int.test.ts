// The log capture: an `audit: true` line logged anywhere (a request's logger included) is stored
// in the audit table as well as logged; other lines are only logged; the lines themselves, the
// logger's level and its redaction are unchanged.
import { defineErrorRegistry, errorHandlerOptions } from '@authflow/errors';
import { createLogger } from '@authflow/observability';
import { createServiceApp } from '@authflow/service-runtime';
import { captureLogs } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditSink, NewAuditEvent } from '../admin/admin-ports.js';
import { createPgliteDatabase, type Database } from '../identity/builtin/database.js';
import { migrate } from '../identity/builtin/migrations.js';
import { AuditRelay } from './audit-relay.js';
import { AuditWriter } from './audit-writer.js';
import { auditEventFromLog, captureAuditLogs } from './capture-audit-logs.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { memoryLogger } from './test-support/audit-events.js';

function memorySink(): AuditSink & { events: NewAuditEvent[] } {
  const events: NewAuditEvent[] = [];
  return { events, record: (event) => events.push(event) };
}

const errors = defineErrorRegistry({
  bad_request: { status: 400, message: 'The request is not valid.' },
  payload_too_large: { status: 413, message: 'The body is too large.' },
  not_found: { status: 404, message: 'Nothing here.' },
  internal_error: { status: 500, message: 'Something went wrong.' },
});

describe('audit log capture', () => {
  it('records an audit line with its columns and its other fields as details, and logs it as before', () => {
    const sink = memorySink();
    const output = captureLogs();
    const logger = captureAuditLogs(
      createLogger({ service: 'auth', level: 'info' }, output.stream),
      sink,
      {
        clock: () => 1_700_000_000_000,
      },
    );
    logger.info(
      {
        audit: true,
        event: 'login.succeeded',
        userId: 'user-1',
        sessionId: 'session-1',
        ip: '203.0.113.7',
        device: 'Firefox on Linux',
        newDevice: true,
        password: 'hunter2',
      },
      'signed in',
    );
    expect(sink.events).toEqual([
      {
        at: 1_700_000_000_000,
        type: 'login.succeeded',
        userId: 'user-1',
        actor: null,
        sessionId: 'session-1',
        ip: '203.0.113.7',
        requestId: null,
        source: 'auth',
        details: { device: 'Firefox on Linux', newDevice: true },
      },
    ]);
    const [line] = output.lines();
    expect(line).toMatchObject({
      audit: true,
      event: 'login.succeeded',
      userId: 'user-1',
      password: '[redacted]',
      msg: 'signed in',
      service: 'auth',
    });
  });

  it('ignores every other kind of line', () => {
    const sink = memorySink();
    const logger = captureAuditLogs(
      createLogger({ service: 'auth', level: 'trace' }, captureLogs().stream),
      sink,
    );
    logger.info('a message only');
    logger.info({ event: 'config.deprecated', setting: 'X' }, 'not an audit line');
    logger.info({ audit: 'true', event: 'login.succeeded' }, 'audit must be the boolean');
    logger.info({ audit: true }, 'no event name');
    logger.info({ audit: true, event: 42 }, 'an event name that is not text');
    logger.warn(new Error('boom'), 'an error first');
    logger.error(null);
    expect(sink.events).toEqual([]);
  });

  it('still records the audit events of a logger whose level hides them', () => {
    const sink = memorySink();
    const output = captureLogs();
    const logger = captureAuditLogs(
      createLogger({ service: 'auth', level: 'warn' }, output.stream),
      sink,
    );
    logger.info({ audit: true, event: 'session.revoked', reason: 'logout' }, 'signed out');
    logger
      .child({ requestId: 'r-9' })
      .debug({ audit: true, event: 'mfa.challenged' }, 'challenged');
    expect(sink.events.map((event) => [event.type, event.requestId])).toEqual([
      ['session.revoked', null],
      ['mfa.challenged', 'r-9'],
    ]);
    expect(output.lines()).toEqual([]);
    // A level changed later changes the output, not the capture.
    logger.level = 'info';
    logger.info({ audit: true, event: 'password.changed' }, 'password reset');
    expect(sink.events).toHaveLength(3);
    expect(output.lines()).toHaveLength(1);
  });

  it('keeps logging when the sink throws', () => {
    const output = captureLogs();
    const logger = captureAuditLogs(
      createLogger({ service: 'auth', level: 'info' }, output.stream),
      {
        record: () => {
          throw new Error('broken sink');
        },
      },
    );
    logger.info({ audit: true, event: 'login.failed' }, 'sign-in failed');
    expect(output.lines()).toHaveLength(1);
  });

  it('takes the actor and an explicit request id from the line, and never a secret from details', () => {
    const event = auditEventFromLog(
      {
        audit: true,
        event: 'admin.roles.set',
        actor: 'admin-7',
        userId: 'user-1',
        requestId: 'from-line',
        roles: ['admin'],
        token: 'q7Zr-0xY',
        nested: { accessToken: 'abc', kept: 1 },
      },
      { requestId: 'from-binding', source: 'auth', at: 5 },
    );
    expect(event).toMatchObject({
      actor: 'admin-7',
      requestId: 'from-line',
      details: { roles: ['admin'], nested: { kept: 1 } },
    });
  });
});

describe('audit log capture in a service', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase('memory://');
    await migrate(db);
  }, 60_000);
  afterAll(() => db.close());

  it('stores the audit line a request logs, with its request id, and not the other lines', async () => {
    const relay = new AuditRelay();
    const output = captureLogs();
    // The logger exists before the database (the app is built first): the relay bridges that.
    const app = await createServiceApp({
      service: 'auth',
      logLevel: 'info',
      logger: captureAuditLogs(
        createLogger({ service: 'auth', level: 'info' }, output.stream),
        relay,
      ),
      trustedProxies: ['127.0.0.1'],
      trustedProxiesSetting: 'AUTH_TRUSTED_PROXIES',
      errors: errorHandlerOptions({
        registry: errors,
        badRequestCode: 'bad_request',
        payloadTooLargeCode: 'payload_too_large',
        notFoundCode: 'not_found',
        internalCode: 'internal_error',
      }),
      metricsPrefix: 'test_',
      collectProcessMetrics: false,
      readinessTimeoutMs: 100,
      logRequests: false,
      lazyRequestLoggers: true,
    });
    app.log.info({ audit: true, event: 'service.started' }, 'before the writer exists');
    const store = new SqlAuditStore(db);
    const writer = new AuditWriter({ store, logger: memoryLogger().logger });
    relay.connect(writer);
    app.post('/login', (request) => {
      request.log.info({ event: 'login.attempt' }, 'not an audit line');
      request.log.info(
        {
          audit: true,
          event: 'login.succeeded',
          userId: 'user-1',
          sessionId: 's-1',
          ip: request.ip,
        },
        'signed in',
      );
      return { ok: true };
    });
    // The id the edge gave the request (a trusted proxy's) is the one the event carries.
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'x-request-id': 'edge-req-42' },
    });
    expect(response.statusCode).toBe(200);
    await writer.flush();
    const { events } = await store.query({ limit: 10 });
    expect(events.map((event) => event.type)).toEqual(['login.succeeded', 'service.started']);
    expect(events[0]).toMatchObject({
      userId: 'user-1',
      sessionId: 's-1',
      ip: '127.0.0.1',
      source: 'auth',
      requestId: 'edge-req-42',
    });
    const logged = output.lines().find((line) => line.event === 'login.succeeded');
    expect(logged?.requestId).toBe('edge-req-42');
    await app.close();
    await writer.close();
  });
});
