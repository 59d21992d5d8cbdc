import { describe, expect, it } from 'vitest';
import { createArgon2Hasher, createLimiter } from './password-hasher.js';
import { checkPassword } from './password-policy.js';

const fast = { memoryKib: 1_024, iterations: 1, parallelism: 1 };

describe('checkPassword', () => {
  it.each([
    ['a sound passphrase', 'correct horse battery staple', []],
    ['9 characters', 'abcdefghi', ['length']],
    ['129 characters', 'x'.repeat(129), ['length']],
    ['128 characters', `${'x'.repeat(127)}y`, []],
    ['a common password', 'password123', ['common']],
    ['a common password in another case', 'PassWord123', ['common']],
    ['emoji count as one character each', '🔑'.repeat(10), []],
  ])('%s', (_name, password, problems) => {
    expect(checkPassword(password)).toEqual(problems);
  });
});

describe('createArgon2Hasher', () => {
  it('hashes with Argon2id and the configured parameters, and verifies', async () => {
    const hasher = createArgon2Hasher(fast, 2);
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/u);
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'wrong password!!')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
    await expect(hasher.verifyDummy('anything')).resolves.toBeUndefined();
  });

  it('asks for a re-hash when the parameters changed', async () => {
    const old = await createArgon2Hasher(fast, 1).hash('correct horse battery staple');
    expect(createArgon2Hasher(fast, 1).needsRehash(old)).toBe(false);
    expect(createArgon2Hasher({ ...fast, iterations: 2 }, 1).needsRehash(old)).toBe(true);
  });
});

describe('createLimiter', () => {
  it('runs at most the given number of tasks at once, in order', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        limit(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 10));
          order.push(n);
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('frees its slot when a task fails', async () => {
    const limit = createLimiter(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
