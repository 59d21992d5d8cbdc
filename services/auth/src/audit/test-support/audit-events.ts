// Audit events for the tests, and a logger that keeps its lines.
import type { NewAuditEvent } from '../../admin/admin-ports.js';
import type { AuditLogger } from '../drop-report.js';

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');

export function auditEvent(overrides: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return {
    at: T0,
    type: 'login.succeeded',
    userId: 'user-1',
    actor: null,
    sessionId: 'session-1',
    ip: '203.0.113.7',
    requestId: 'req-1',
    source: 'auth',
    details: {},
    ...overrides,
  };
}

export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export function memoryLogger(): { logger: AuditLogger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at =
    (level: LoggedLine['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn') }, lines };
}
