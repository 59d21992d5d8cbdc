// Recovery codes and the email factor in the auth database (PGlite, migrated like production).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type Database } from '../../identity/builtin/database.js';
import { migrate } from '../../identity/builtin/migrations.js';
import { newRecoveryCodes } from './recovery-codes.js';
import { SqlFactorStore } from './sql-factor-store.js';

let db: Database;
let now = Date.UTC(2030, 0, 1);
let store: SqlFactorStore;

beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  await migrate(db);
  store = new SqlFactorStore(db, { clock: () => now });
});
afterAll(() => db.close());

/** Supabase user ids are UUIDs, built-in ones too; nothing checks they exist here. */
const newUser = () => randomUUID();

describe('recovery codes', () => {
  it('each code works once, however it is typed', async () => {
    const user = newUser();
    const codes = newRecoveryCodes();
    await store.replaceRecoveryCodes(user, codes);
    expect(await store.remainingRecoveryCodes(user)).toBe(10);

    const [first = '', second = ''] = codes;
    expect(await store.useRecoveryCode(user, first)).toBe(true);
    expect(await store.useRecoveryCode(user, first)).toBe(false);
    expect(
      await store.useRecoveryCode(user, ` ${second.toUpperCase().replaceAll('-', ' ')} `),
    ).toBe(true);
    expect(await store.remainingRecoveryCodes(user)).toBe(8);
  });

  it('a code spent by two requests at once is accepted for one of them', async () => {
    const user = newUser();
    const [code = ''] = newRecoveryCodes(1);
    await store.replaceRecoveryCodes(user, [code]);
    const outcomes = await Promise.all([
      store.useRecoveryCode(user, code),
      store.useRecoveryCode(user, code),
      store.useRecoveryCode(user, code),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('replacing the set invalidates the old codes, used or not', async () => {
    const user = newUser();
    const old = newRecoveryCodes();
    await store.replaceRecoveryCodes(user, old);
    await store.useRecoveryCode(user, old[0] ?? '');
    const fresh = newRecoveryCodes();
    await store.replaceRecoveryCodes(user, fresh);
    expect(await store.remainingRecoveryCodes(user)).toBe(10);
    for (const code of old) expect(await store.useRecoveryCode(user, code)).toBe(false);
    expect(await store.useRecoveryCode(user, fresh[0] ?? '')).toBe(true);
  });

  it('refuses another user s codes, unknown codes and what is not a code', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const codes = newRecoveryCodes();
    await store.replaceRecoveryCodes(alice, codes);
    expect(await store.useRecoveryCode(bob, codes[0] ?? '')).toBe(false);
    expect(await store.useRecoveryCode(alice, newRecoveryCodes(1)[0] ?? '')).toBe(false);
    expect(await store.useRecoveryCode(alice, "' or 1=1 --")).toBe(false);
    expect(await store.remainingRecoveryCodes(alice)).toBe(10);
    expect(await store.remainingRecoveryCodes(bob)).toBe(0);
  });

  it('stores hashes, never the codes', async () => {
    const user = newUser();
    const codes = newRecoveryCodes();
    await store.replaceRecoveryCodes(user, codes);
    const { rows } = await db.query<{ code_hash: string }>(
      'select code_hash from recovery_codes where user_id = $1',
      [user],
    );
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replaceAll('-', ''));
    }
  });

  it('refuses to store something that is not a recovery code', async () => {
    await expect(store.replaceRecoveryCodes(newUser(), ['hunter2'])).rejects.toThrow(TypeError);
  });

  it('an empty set removes them all', async () => {
    const user = newUser();
    await store.replaceRecoveryCodes(user, newRecoveryCodes());
    await store.replaceRecoveryCodes(user, []);
    expect(await store.remainingRecoveryCodes(user)).toBe(0);
  });
});

describe('the email factor', () => {
  it('is off until turned on, then listed with its address and last use', async () => {
    const user = newUser();
    expect(await store.emailFactor(user)).toBeNull();
    await store.setEmailFactor(user, true, 'ada@example.com');
    const enabledAt = now;
    expect(await store.emailFactor(user)).toEqual({
      id: 'email',
      kind: 'email',
      label: 'ada@example.com',
      status: 'active',
      createdAt: enabledAt,
      lastUsedAt: null,
    });
    now += 60_000;
    await store.touchEmailFactor(user);
    expect((await store.emailFactor(user))?.lastUsedAt).toBe(now);

    // A new address (after an email change) keeps when it was first turned on.
    now += 60_000;
    await store.setEmailFactor(user, true, 'ada@new.example');
    expect(await store.emailFactor(user)).toMatchObject({
      label: 'ada@new.example',
      createdAt: enabledAt,
    });

    await store.setEmailFactor(user, false, 'ada@new.example');
    expect(await store.emailFactor(user)).toBeNull();
    await store.touchEmailFactor(user);
    expect(await store.emailFactor(user)).toBeNull();
  });
});

describe('deleting a user', () => {
  it('forgets their codes and email factor, and nobody else s', async () => {
    const [gone, stays] = [newUser(), newUser()];
    for (const user of [gone, stays]) {
      await store.replaceRecoveryCodes(user, newRecoveryCodes());
      await store.setEmailFactor(user, true, `${user}@example.com`);
    }
    await store.deleteUser(gone);
    expect(await store.remainingRecoveryCodes(gone)).toBe(0);
    expect(await store.emailFactor(gone)).toBeNull();
    expect(await store.remainingRecoveryCodes(stays)).toBe(10);
    expect(await store.emailFactor(stays)).not.toBeNull();
  });
});
