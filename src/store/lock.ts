import { randomUUID } from 'node:crypto';
import type { RedisClient } from './client.js';
import { withStoreScripts } from './scripts.js';

/** What `withLock` returns: the function's value, or a note that someone else held the lock. */
export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/** Renewals per ttl: one that a busy event loop runs late, and its trip to a busy Redis, still land in time. */
const RENEWALS_PER_TTL = 3;

/**
 * Runs `fn` while holding a Redis lock (SET NX PX), across processes. The lock expires by itself
 * `ttlMs` after this process dies; while it lives, the lock is renewed, so an `fn` that runs
 * longer than `ttlMs` (a large batch on a busy machine) does not let a second holder in beside it.
 * It is renewed and released only by its holder (token compare), so a holder that outlived its
 * ttl (a process stalled that long) cannot extend or delete a lock someone else took since.
 */
export async function withLock<T>(redis: RedisClient, key: string, ttlMs: number, fn: () => Promise<T>): Promise<LockOutcome<T>> {
  const token = randomUUID();
  const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') return { acquired: false };
  const scripts = withStoreScripts(redis);
  // A renewal that fails (Redis gone a moment) leaves the lock to expire as a dead holder's would.
  const renewal = setInterval(() => void scripts.heraldRenewLock(key, token, String(ttlMs)).catch(() => undefined), ttlMs / RENEWALS_PER_TTL);
  renewal.unref();
  try {
    return { acquired: true, value: await fn() };
  } finally {
    clearInterval(renewal);
    await scripts.heraldReleaseLock(key, token);
  }
}
