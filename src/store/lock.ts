import { randomUUID } from 'node:crypto';
import type { RedisClient } from './client.js';
import { withStoreScripts } from './scripts.js';

/** What `withLock` returns: the function's value, or a note that someone else held the lock. */
export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/**
 * Runs `fn` while holding a Redis lock (SET NX PX), across processes. The lock expires by itself
 * after `ttlMs` should this process die; it is released only by its holder (token compare), so a
 * holder that outlived its ttl cannot delete a lock someone else took since.
 */
export async function withLock<T>(redis: RedisClient, key: string, ttlMs: number, fn: () => Promise<T>): Promise<LockOutcome<T>> {
  const token = randomUUID();
  const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') return { acquired: false };
  try {
    return { acquired: true, value: await fn() };
  } finally {
    await withStoreScripts(redis).heraldReleaseLock(key, token);
  }
}
