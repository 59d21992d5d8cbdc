// Flows in progress between "Sign in with …" and the provider's callback: what the callback
// needs again (PKCE verifier, nonce, where to go next), kept server-side for ten minutes and
// taken once, so a state value never completes two sign-ins.
import { SessionStoreUnavailableError } from '@authflow/sessions';
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const FLOW_TTL_MS = 10 * 60_000;

const flowSchema = z.object({
  provider: z.string(),
  state: z.string(),
  codeVerifier: z.string(),
  nonce: z.string().optional(),
  redirectUri: z.string(),
  /** The verified handoff `next`, honoured after sign-in. */
  next: z.string().optional(),
  /** `link`: a signed-in user adding this provider to their account. */
  mode: z.enum(['signin', 'link']),
  /** The signed-in user a `link` flow belongs to. */
  userId: z.string().optional(),
  /** Device binding (fingerprint digest) of the browser that started the flow. */
  device: z.string(),
  createdAt: z.number(),
});

export type FederationFlow = z.infer<typeof flowSchema>;

export interface FlowStore {
  put(flow: FederationFlow): Promise<void>;
  /** The flow for `state`, removed in the same step; null when unknown, used or expired. */
  take(state: string): Promise<FederationFlow | null>;
  close(): Promise<void>;
}

export class RedisFlowStore implements FlowStore {
  readonly #client: Redis;
  readonly #prefix: string;

  constructor(client: Redis, prefix = 'federation:flow:') {
    this.#client = client;
    this.#prefix = prefix;
  }

  async put(flow: FederationFlow): Promise<void> {
    await this.#client
      .set(this.#prefix + flow.state, JSON.stringify(flow), 'PX', FLOW_TTL_MS)
      .catch(unavailable('put'));
  }

  async take(state: string): Promise<FederationFlow | null> {
    const value = await this.#client.getdel(this.#prefix + state).catch(unavailable('take'));
    return value === null ? null : parseFlow(value);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One process only (an injected session store, tests): the same rules in memory. */
export class MemoryFlowStore implements FlowStore {
  readonly #flows = new Map<string, { value: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  put(flow: FederationFlow): Promise<void> {
    this.#flows.set(flow.state, {
      value: JSON.stringify(flow),
      expiresAt: this.#now() + FLOW_TTL_MS,
    });
    return Promise.resolve();
  }

  take(state: string): Promise<FederationFlow | null> {
    const entry = this.#flows.get(state);
    this.#flows.delete(state);
    if (entry === undefined || entry.expiresAt <= this.#now()) return Promise.resolve(null);
    return Promise.resolve(parseFlow(entry.value));
  }

  close(): Promise<void> {
    this.#flows.clear();
    return Promise.resolve();
  }
}

/** Redis failing is an outage (503), never a 500 and never "no such flow". */
function unavailable(operation: string) {
  return (error: unknown): never => {
    throw new SessionStoreUnavailableError(`federation flow ${operation} failed`, { cause: error });
  };
}

function parseFlow(value: string): FederationFlow | null {
  try {
    const parsed = flowSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
