import { describe, expect, it } from 'vitest';
import { ARGON2_AT_ONCE, argon2Turns, concurrencyLimit, hashPassword, verifyPassword } from './argon2.server.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('concurrencyLimit', () => {
  it('runs at most the limit at once and starts the waiting ones in order as turns free up', async () => {
    const limit = concurrencyLimit(2);
    const gates = [deferred(), deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const results = gates.map((gate, i) =>
      limit(async () => {
        started.push(i);
        await gate.promise;
        return i * 10;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    expect([limit.active, limit.waiting]).toEqual([2, 3]);

    gates[1].resolve();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect([limit.active, limit.waiting]).toEqual([2, 2]);

    // A failing piece of work gives its turn back too.
    gates[0].reject(new Error('boom'));
    await expect(results[0]).rejects.toThrow('boom');
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);

    gates[2].resolve();
    gates[3].resolve();
    gates[4].resolve();
    expect(await Promise.all(results.slice(1))).toEqual([10, 20, 30, 40]);
    expect([limit.active, limit.waiting]).toEqual([0, 0]);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => concurrencyLimit(0)).toThrow(RangeError);
    expect(() => concurrencyLimit(1.5)).toThrow(RangeError);
  });
});

describe('hashPassword / verifyPassword', () => {
  it('verify what they hashed, refuse a wrong password, and never run more than two Argon2 hashes at once', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    let mostAtOnce = 0;
    const watch = setInterval(() => (mostAtOnce = Math.max(mostAtOnce, argon2Turns.active)), 1);
    const attempts = ['correct horse battery', 'wrong', 'correct horse battery', 'Correct horse battery', 'correct horse battery', 'x'];
    const pending = attempts.map((attempt) => verifyPassword(stored, attempt));
    expect(argon2Turns.active).toBe(ARGON2_AT_ONCE);
    expect(argon2Turns.waiting).toBe(attempts.length - ARGON2_AT_ONCE);
    const answers = await Promise.all(pending);
    clearInterval(watch);

    expect(answers).toEqual([true, false, true, false, true, false]);
    expect(mostAtOnce).toBe(ARGON2_AT_ONCE);
    expect([argon2Turns.active, argon2Turns.waiting]).toEqual([0, 0]);
    await expect(verifyPassword('not-a-hash', 'x')).rejects.toThrow();
    expect(argon2Turns.active).toBe(0);
  });
});
