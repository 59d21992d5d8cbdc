// pino settings every service shares: JSON logs, secrets redacted, no query strings in request logs.
import { pino, type Logger, type LoggerOptions } from 'pino';

/** Field names whose values are secrets, wherever a logged object carries them. */
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'tokenHash',
  'token_hash',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'apiKey',
  'secret',
];

/**
 * Paths censored in every log line: cookies, authorization and assertion headers, and the
 * secret fields at the top of a logged object and up to three levels down (pino's redaction
 * takes explicit paths; `*` stands for one level).
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-authflow-assertion"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
  'headers["x-authflow-assertion"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
];

export interface LoggerSettings {
  readonly service: string;
  readonly level: string;
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    serializers: {
      req: (request: { method?: string; url?: string; ip?: string; id?: string }) => ({
        id: request.id,
        method: request.method,
        // Query strings can carry one-time tokens (verify links): only the path is logged.
        path: (request.url ?? '').split('?', 1)[0],
        ip: request.ip,
      }),
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      err: pino.stdSerializers.err,
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(
  settings: LoggerSettings,
  destination?: pino.DestinationStream,
): Logger {
  return destination === undefined
    ? pino(loggerOptions(settings))
    : pino(loggerOptions(settings), destination);
}
