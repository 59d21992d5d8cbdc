// Opens sessions the way the auth service does (RedisSessionStore.create with the browser's
// fingerprint), in parallel batches, and makes express-session sessions for the peer.
import { createHmac, randomBytes } from 'node:crypto';
import { createRedisClient, RedisSessionStore, waitForRedis } from '@authflow/sessions';
import {
  browserDeviceLabel,
  browserFingerprint,
  CLIENT_IP,
  BROWSER_HEADERS,
} from './browser-profile.ts';

export type RedisClient = ReturnType<typeof createRedisClient>;

/** Cookie name with AUTHFLOW_COOKIE_SECURE=false. */
export const GATEWAY_COOKIE_NAME = 'authflow_session';

export async function connectRedis(url: string, name: string): Promise<RedisClient> {
  const client = createRedisClient({ url, commandTimeoutMs: 30_000, connectionName: name });
  await waitForRedis(client, 5_000);
  return client;
}

export function sessionStoreOn(client: RedisClient): RedisSessionStore {
  // Distinct users per session: the per-user cap (oldest ended beyond it) never interferes.
  return new RedisSessionStore({ client });
}

export interface OpenedSession {
  readonly token: string;
  readonly sessionId: string;
  /** `authflow_session=<token>` */
  readonly cookie: string;
}

/** Opens `count` sessions, `batch` creations in flight at a time. */
export async function openSessions(
  store: RedisSessionStore,
  count: number,
  label: string,
  batch = 500,
): Promise<OpenedSession[]> {
  const fingerprint = browserFingerprint();
  const deviceLabel = browserDeviceLabel();
  const sessions: OpenedSession[] = [];
  for (let start = 0; start < count; start += batch) {
    const created = await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, (_, offset) =>
        store.create({
          userId: `bench-${label}-${start + offset}`,
          email: `bench-${label}-${start + offset}@example.com`,
          roles: ['member'],
          provider: 'builtin',
          fingerprint,
          ip: CLIENT_IP,
          userAgent: BROWSER_HEADERS['user-agent'] ?? '',
          deviceLabel,
          aal: 'aal1',
        }),
      ),
    );
    for (const { token, session } of created)
      sessions.push({ token, sessionId: session.id, cookie: `${GATEWAY_COOKIE_NAME}=${token}` });
  }
  return sessions;
}

/**
 * Sessions as express-session keeps them with connect-redis (`sess:<sid>`, JSON), and the signed
 * cookie it expects (`connect.sid=s:<sid>.<HMAC-SHA256, base64 without padding>`, URI-encoded).
 */
export async function openExpressSessions(
  client: RedisClient,
  secret: string,
  count: number,
): Promise<string[]> {
  const cookies: string[] = [];
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  const writes: Promise<unknown>[] = [];
  for (let index = 0; index < count; index += 1) {
    const sid = randomBytes(24).toString('base64url');
    const record = {
      cookie: {
        originalMaxAge: 3_600_000,
        expires,
        secure: false,
        httpOnly: true,
        path: '/',
        sameSite: 'lax',
      },
      userId: `bench-peer-${index}`,
    };
    writes.push(client.set(`sess:${sid}`, JSON.stringify(record), 'EX', 3_600));
    const signature = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/u, '');
    cookies.push(`connect.sid=${encodeURIComponent(`s:${sid}.${signature}`)}`);
  }
  await Promise.all(writes);
  return cookies;
}
