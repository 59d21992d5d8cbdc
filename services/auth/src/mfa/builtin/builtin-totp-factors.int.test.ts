// Authenticator-app factors of the built-in provider: enrollment, one-time codes, sealed secrets.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type Database } from '../../identity/builtin/database.js';
import { migrate } from '../../identity/builtin/migrations.js';
import { createKeyRing } from '../crypto/encryption-keys.js';
import { SecretBox, UnknownEncryptionKeyError } from '../crypto/secret-box.js';
import type { FactorOwner } from '../mfa-ports.js';
import { BuiltinTotpFactors } from './builtin-totp-factors.js';
import { SqlFactorStore } from './sql-factor-store.js';
import { generateTotp } from './totp.js';

const STEP_MS = 30_000;
const oldKey = randomBytes(32);
const newKey = randomBytes(32);

let db: Database;
// Mid-step, so "one step earlier/later" is unambiguous.
let now = Date.UTC(2030, 0, 1) + 15_000;

function factorsWith(ring = createKeyRing(oldKey)): BuiltinTotpFactors {
  return new BuiltinTotpFactors({
    db,
    box: new SecretBox(ring),
    issuer: 'AuthFlow',
    clock: () => now,
  });
}

beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  await migrate(db);
});
afterAll(() => db.close());

const newOwner = (): FactorOwner => {
  const userId = randomUUID();
  return { userId, email: `${userId.slice(0, 8)}@example.com` };
};

/** An owner with one active factor, as after a finished enrollment. */
async function enrolled(factors = factorsWith()) {
  const owner = newOwner();
  const enrollment = await factors.beginEnrollment(owner, 'Phone');
  expect(
    await factors.confirmEnrollment(
      owner,
      enrollment.factorId,
      generateTotp(enrollment.secret, now),
    ),
  ).toBe(true);
  now += STEP_MS;
  return { owner, ...enrollment };
}

describe('enrollment', () => {
  it('starts pending with a secret and URI, and a first valid code activates it', async () => {
    const factors = factorsWith();
    const owner = newOwner();
    expect(await factors.hasActive(owner.userId)).toBe(false);
    const enrollment = await factors.beginEnrollment(owner, '  My   phone ');
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/u);
    expect(enrollment.uri).toContain(`secret=${enrollment.secret}`);
    expect(decodeURIComponent(enrollment.uri)).toContain(`AuthFlow:${owner.email}`);
    expect(await factors.list(owner)).toEqual([
      {
        id: enrollment.factorId,
        kind: 'totp',
        label: 'My phone',
        status: 'pending',
        createdAt: now,
        lastUsedAt: null,
      },
    ]);
    // A pending factor does not sign anyone in.
    expect(
      await factors.verify(owner, enrollment.factorId, generateTotp(enrollment.secret, now)),
    ).toBe(false);
    expect(await factors.confirmEnrollment(owner, enrollment.factorId, '000000')).toBe(false);
    expect(
      await factors.confirmEnrollment(
        owner,
        enrollment.factorId,
        generateTotp(enrollment.secret, now),
      ),
    ).toBe(true);
    expect(await factors.list(owner)).toMatchObject([{ status: 'active', lastUsedAt: now }]);
    expect(await factors.hasActive(owner.userId)).toBe(true);
    // Confirming twice does nothing more.
    now += STEP_MS;
    expect(
      await factors.confirmEnrollment(
        owner,
        enrollment.factorId,
        generateTotp(enrollment.secret, now),
      ),
    ).toBe(false);
  });

  it('keeps one pending factor per user: a new enrollment replaces the older one', async () => {
    const factors = factorsWith();
    const owner = newOwner();
    const first = await factors.beginEnrollment(owner, 'First');
    const second = await factors.beginEnrollment(owner, 'Second');
    expect((await factors.list(owner)).map(({ id, label }) => ({ id, label }))).toEqual([
      { id: second.factorId, label: 'Second' },
    ]);
    expect(
      await factors.confirmEnrollment(owner, first.factorId, generateTotp(first.secret, now)),
    ).toBe(false);
    expect(
      await factors.confirmEnrollment(owner, second.factorId, generateTotp(second.secret, now)),
    ).toBe(true);
  });

  it('leaves one pending factor when two enrollments begin at once', async () => {
    const factors = factorsWith();
    const owner = newOwner();
    await Promise.all([factors.beginEnrollment(owner, 'a'), factors.beginEnrollment(owner, 'b')]);
    expect(await factors.list(owner)).toHaveLength(1);
  });

  it('keeps labels short: 64 characters, never cut inside one', async () => {
    const factors = factorsWith();
    const owner = newOwner();
    await factors.beginEnrollment(owner, `${'a'.repeat(63)}👩‍💻 and more`);
    expect((await factors.list(owner))[0]?.label).toBe(`${'a'.repeat(63)}👩‍💻`);
  });

  it('keeps active factors when a new enrollment begins, oldest listed first', async () => {
    const factors = factorsWith();
    const { owner, factorId } = await enrolled(factors);
    const next = await factors.beginEnrollment(owner, '');
    expect(
      (await factors.list(owner)).map(({ id, status, label }) => ({ id, status, label })),
    ).toEqual([
      { id: factorId, status: 'active', label: 'Phone' },
      { id: next.factorId, status: 'pending', label: 'Authenticator app' },
    ]);
  });
});

describe('verifying a code', () => {
  it('accepts a valid code once: the same code again is a replay', async () => {
    const factors = factorsWith();
    const { owner, factorId, secret } = await enrolled(factors);
    const code = generateTotp(secret, now);
    expect(await factors.verify(owner, factorId, code)).toBe(true);
    expect(await factors.verify(owner, factorId, code)).toBe(false);
    // Still refused a little later, while the code is inside its window.
    now += STEP_MS;
    expect(await factors.verify(owner, factorId, code)).toBe(false);
    expect(await factors.verify(owner, factorId, generateTotp(secret, now))).toBe(true);
  });

  it('accepts the previous step s code once, then neither it nor an older one', async () => {
    const factors = factorsWith();
    const { owner, factorId, secret } = await enrolled(factors);
    now += 2 * STEP_MS;
    const previous = generateTotp(secret, now - STEP_MS);
    expect(await factors.verify(owner, factorId, previous)).toBe(true);
    expect(await factors.verify(owner, factorId, previous)).toBe(false);
    // The current code is newer: accepted. After it, the previous step stays refused.
    expect(await factors.verify(owner, factorId, generateTotp(secret, now))).toBe(true);
    expect(await factors.verify(owner, factorId, generateTotp(secret, now - STEP_MS))).toBe(false);
  });

  it('accepts a code racing itself once', async () => {
    const factors = factorsWith();
    const { owner, factorId, secret } = await enrolled(factors);
    const code = generateTotp(secret, now);
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => factors.verify(owner, factorId, code)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a wrong code, a code two steps away and what is not a code', async () => {
    const factors = factorsWith();
    const { owner, factorId, secret } = await enrolled(factors);
    const right = generateTotp(secret, now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (const code of [
      wrong,
      generateTotp(secret, now - 2 * STEP_MS),
      generateTotp(secret, now + 2 * STEP_MS),
      '',
      'abcdef',
      `${right}0`,
    ])
      expect(await factors.verify(owner, factorId, code)).toBe(false);
    expect(await factors.verify(owner, factorId, `${right.slice(0, 3)} ${right.slice(3)}`)).toBe(
      true,
    );
  });

  it('refuses another user s factor id, even with that factor s right code', async () => {
    const factors = factorsWith();
    const alice = await enrolled(factors);
    const mallory = newOwner();
    const code = generateTotp(alice.secret, now);
    expect(await factors.verify(mallory, alice.factorId, code)).toBe(false);
    expect(await factors.confirmEnrollment(mallory, alice.factorId, code)).toBe(false);
    expect(await factors.remove(mallory, alice.factorId)).toBe(false);
    expect(await factors.list(mallory)).toEqual([]);
    // Alice's code was not spent by the refused attempts.
    expect(await factors.verify(alice.owner, alice.factorId, code)).toBe(true);
  });

  it('refuses an unknown factor id', async () => {
    const factors = factorsWith();
    const { owner } = await enrolled(factors);
    expect(await factors.verify(owner, randomUUID(), '123456')).toBe(false);
    expect(await factors.verify(owner, "x' or '1'='1", '123456')).toBe(false);
  });
});

describe('secrets at rest', () => {
  it('are stored sealed, never in plain text, and bound to their row', async () => {
    const factors = factorsWith();
    const { owner, factorId, secret } = await enrolled(factors);
    const { rows } = await db.query('select * from totp_factors where id = $1', [factorId]);
    const row = JSON.stringify(rows);
    expect(row).not.toContain(secret);
    expect(row).not.toContain(secret.toLowerCase());
    expect(row).not.toContain(Buffer.from(secret).toString('base64'));
    expect(rows[0]?.secret_ciphertext).toMatch(/^v1\.[0-9a-f]{8}\./u);

    // A sealed secret copied into another user's row does not open there.
    const other = await enrolled(factors);
    await db.query('update totp_factors set secret_ciphertext = $1 where id = $2', [
      rows[0]?.secret_ciphertext,
      other.factorId,
    ]);
    await expect(
      factors.verify(other.owner, other.factorId, generateTotp(secret, now)),
    ).rejects.toThrow(/does not open/u);
    expect(await factors.verify(owner, factorId, generateTotp(secret, now))).toBe(true);
  });

  it('open after a key rotation (old key as previous) and are sealed again with the new key', async () => {
    const { owner, factorId, secret } = await enrolled(factorsWith(createKeyRing(oldKey)));
    const rotatedRing = createKeyRing(newKey, [oldKey]);
    const rotated = factorsWith(rotatedRing);
    expect(await rotated.verify(owner, factorId, generateTotp(secret, now))).toBe(true);
    const { rows } = await db.query<{ secret_ciphertext: string }>(
      'select secret_ciphertext from totp_factors where id = $1',
      [factorId],
    );
    expect(rows[0]?.secret_ciphertext.split('.')[1]).toBe(rotatedRing.active.id);
    // Now only the new key is needed.
    now += STEP_MS;
    expect(
      await factorsWith(createKeyRing(newKey)).verify(owner, factorId, generateTotp(secret, now)),
    ).toBe(true);
  });

  it('do not open with a ring that lacks their key: a configuration error, not a wrong code', async () => {
    const { owner, factorId, secret } = await enrolled(factorsWith(createKeyRing(oldKey)));
    await expect(
      factorsWith(createKeyRing(randomBytes(32))).verify(
        owner,
        factorId,
        generateTotp(secret, now),
      ),
    ).rejects.toThrow(UnknownEncryptionKeyError);
  });
});

describe('removing factors', () => {
  it('removes one factor of the owner, or all of them, and the user store forgets them too', async () => {
    const factors = factorsWith();
    const { owner, factorId } = await enrolled(factors);
    expect(await factors.remove(owner, factorId)).toBe(true);
    expect(await factors.remove(owner, factorId)).toBe(false);
    expect(await factors.hasActive(owner.userId)).toBe(false);

    const second = await enrolled(factors);
    await factors.beginEnrollment(second.owner, 'pending');
    expect(await factors.removeAll(second.owner.userId)).toBe(2);
    expect(await factors.list(second.owner)).toEqual([]);

    const third = await enrolled(factors);
    await new SqlFactorStore(db).deleteUser(third.owner.userId);
    expect(await factors.list(third.owner)).toEqual([]);
  });
});
