// Argon2id hashing, off the event loop and with bounded concurrency, so sign-ins never stall the service.
import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id`: the package exports a const enum, which isolated modules cannot read. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the enum's documented value
const ARGON2ID = 2 as Algorithm;

export interface Argon2Parameters {
  /** Memory in KiB (OWASP: 19456 = 19 MiB). */
  readonly memoryKib: number;
  /** Passes (OWASP: 2 with 19 MiB). */
  readonly iterations: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet's Argon2id configuration. */
export const OWASP_ARGON2ID: Argon2Parameters = Object.freeze({
  memoryKib: 19_456,
  iterations: 2,
  parallelism: 1,
});

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-work check of a password against a stored hash. */
  verify(storedHash: string, password: string): Promise<boolean>;
  /** The same work as a real check, for accounts that do not exist (timing must not tell). */
  verifyDummy(password: string): Promise<void>;
  /** True when the hash was made with other parameters than today's (re-hash at next sign-in). */
  needsRehash(storedHash: string): boolean;
}

/**
 * @node-rs/argon2 hashes on the libuv thread pool; a semaphore keeps at most `concurrency`
 * hashes running so CPU stays free for the event loop (health checks, other requests).
 */
export function createArgon2Hasher(
  parameters: Argon2Parameters,
  concurrency: number,
): PasswordHasher {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: parameters.memoryKib,
    timeCost: parameters.iterations,
    parallelism: parameters.parallelism,
  };
  const limit = createLimiter(concurrency);
  const expectedPrefix = `$argon2id$v=19$m=${parameters.memoryKib},t=${parameters.iterations},p=${parameters.parallelism}$`;
  // Made once: verifying against it costs what verifying a real hash costs.
  const dummy = limit(() => hash('authflow-dummy-password-for-timing', options));
  return {
    hash: (password) => limit(() => hash(password, options)),
    verify: (storedHash, password) => limit(() => verify(storedHash, password).catch(() => false)),
    verifyDummy: async (password) => {
      const dummyHash = await dummy;
      await limit(() => verify(dummyHash, password).catch(() => false));
    },
    needsRehash: (storedHash) => !storedHash.startsWith(expectedPrefix),
  };
}

type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** A FIFO semaphore: at most `size` tasks run at once. */
export function createLimiter(size: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    running -= 1;
    waiting.shift()?.();
  };
  return async (task) => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
