// What "download my data" contains: the provider's profile and the sessions, never a secret.
import type { SessionRecord } from '@authflow/sessions';
import type { UserExport } from '../identity/identity-provider.js';

export interface AccountExport {
  readonly format: 'authflow.account-export.v1';
  readonly exported_at: string;
  readonly identity_provider: string;
  readonly profile: UserExport;
  readonly sessions: readonly ExportedSession[];
  /** Devices as the sessions name them: AuthFlow keeps only digests of device facts besides. */
  readonly devices: readonly ExportedDevice[];
  /** What else AuthFlow holds or does not, so the file answers the question on its own. */
  readonly notes: readonly string[];
}

export interface ExportedSession {
  readonly id: string;
  readonly current: boolean;
  readonly device_label: string;
  readonly user_agent: string;
  readonly ip: string;
  readonly created_at: string;
  readonly last_seen_at: string;
  readonly expires_at: string;
  readonly assurance_level: string;
}

export interface ExportedDevice {
  readonly label: string;
  readonly sessions: number;
  readonly last_seen_at: string;
}

const NOTES = [
  'Passwords are stored only as Argon2id hashes (or by the identity provider) and are not part of this export.',
  'Session cookies and mailed links are stored only as SHA-256 digests and are not part of this export.',
  'Device recognition keeps a digest of browser facts per device for 24 hours; it cannot be read back.',
  'Audit events (sign-ins, password changes) are written to operational logs, not stored per account.',
];

export function buildAccountExport(input: {
  readonly profile: UserExport;
  readonly provider: string;
  readonly sessions: readonly SessionRecord[];
  readonly currentSessionId: string;
  readonly now: number;
}): AccountExport {
  // Session ids are SHA-256 digests of the cookie value, never the cookie itself.
  const sessions = input.sessions.map((session) => ({
    id: session.id,
    current: session.id === input.currentSessionId,
    device_label: session.deviceLabel,
    user_agent: session.userAgent,
    ip: session.ip,
    created_at: iso(session.createdAt),
    last_seen_at: iso(session.lastSeenAt),
    expires_at: iso(session.absoluteExpiresAt),
    assurance_level: session.aal,
  }));
  return {
    format: 'authflow.account-export.v1',
    exported_at: iso(input.now),
    identity_provider: input.provider,
    profile: input.profile,
    sessions,
    devices: devicesOf(input.sessions),
    notes: NOTES,
  };
}

function devicesOf(sessions: readonly SessionRecord[]): ExportedDevice[] {
  const byLabel = new Map<string, { sessions: number; lastSeenAt: number }>();
  for (const session of sessions) {
    const seen = byLabel.get(session.deviceLabel) ?? { sessions: 0, lastSeenAt: 0 };
    byLabel.set(session.deviceLabel, {
      sessions: seen.sessions + 1,
      lastSeenAt: Math.max(seen.lastSeenAt, session.lastSeenAt),
    });
  }
  return [...byLabel].map(([label, seen]) => ({
    label,
    sessions: seen.sessions,
    last_seen_at: iso(seen.lastSeenAt),
  }));
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();
