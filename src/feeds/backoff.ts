const MINUTE_MS = 60_000;
/** The first step of the backoff… */
export const BACKOFF_BASE_MS = MINUTE_MS;
/** …and no failure streak ever makes a feed wait longer than this (unless the server asks for more). */
export const BACKOFF_CAP_MS = 6 * 60 * MINUTE_MS;

/** 2^9 minutes already exceeds the cap; stopping there keeps the arithmetic finite for any streak. */
const MAX_DOUBLINGS = 9;

/**
 * Delay before the next attempt after `failures` consecutive failures (1-based): exponential from
 * 1 min doubling to a 6 h cap, with jitter from `random` (0..1); never less than retryAfterMs when
 * the server gave one.
 *
 * The jitter picks uniformly between half and all of the exponential step ("equal jitter"), so
 * feeds that failed together (one host down) do not all come back in the same second, while a
 * long streak still waits hours rather than seconds.
 */
export function nextAttemptDelayMs(failures: number, random: number, retryAfterMs?: number): number {
  const doublings = Math.min(Math.max(Math.floor(failures), 1) - 1, MAX_DOUBLINGS);
  const step = Math.min(BACKOFF_BASE_MS * 2 ** doublings, BACKOFF_CAP_MS);
  const unit = Math.min(Math.max(random, 0), 1);
  const jittered = Math.round((step * (1 + unit)) / 2);
  return retryAfterMs !== undefined && retryAfterMs > jittered ? Math.ceil(retryAfterMs) : jittered;
}

/**
 * Parses Retry-After (seconds or HTTP date) relative to `now`; undefined when absent/garbage.
 * A date in the past means "now": 0.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse accepts bare numbers like "1.5" as dates; an HTTP date always names a month.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
