// Redis key names and the revocation channel: part of the public contract (DESIGN.md §3).

/** Channel on which every revoked session id is published, one message per id. */
export const REVOCATION_CHANNEL = 'authflow:revocations';

/** Key builders. `prefix` lets tests and shared Redis deployments keep namespaces apart. */
export interface SessionKeys {
  readonly prefix: string;
  session(sessionId: string): string;
  userSessions(userId: string): string;
  device(userId: string): string;
  /** What `session(id)` starts with, for scripts that build keys from ids they read. */
  readonly sessionPrefix: string;
}

export function sessionKeys(prefix = ''): SessionKeys {
  return {
    prefix,
    sessionPrefix: `${prefix}session:`,
    session: (sessionId) => `${prefix}session:${sessionId}`,
    userSessions: (userId) => `${prefix}user_sessions:${userId}`,
    device: (userId) => `${prefix}device:${userId}`,
  };
}
