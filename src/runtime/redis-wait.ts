/**
 * `herald start` waits for Redis before anything else, and says why while it waits: one clear
 * line with what to check as soon as Redis fails to answer, then a reminder every little while,
 * rather than one reconnect line and silence.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';

export interface RedisWaitTiming {
  /** Say what to check after this long even when no error came (a host that drops packets). */
  adviseAfterMs?: number;
  /** Repeat that Herald is still waiting this often. */
  remindEveryMs?: number;
}

/** The URL with its password masked, fit for a log line. */
export function displayRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** What to check when the Redis at `url` does not answer. */
export function deadRedisAdvice(url: string, reason: string): string {
  const shown = displayRedisUrl(url);
  return (
    `Redis at ${shown} does not answer (${reason}). Check that redis-server is running there (redis-cli -u ${shown} ping), ` +
    'that REDIS_URL (or redis.url in the config) has the right host, port and password, and run `npx herald doctor`. ' +
    'Herald starts as soon as Redis answers.'
  );
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** Resolves once `redis` is ready, logging what to check (and reminders) for as long as it is not. */
export async function waitForRedis(redis: EventEmitter & { status: string }, url: string, logger: Logger, timing: RedisWaitTiming = {}): Promise<void> {
  if (redis.status === 'ready') return;
  const since = Date.now();
  let reason = 'no answer yet';
  let advised = false;
  const advise = () => {
    if (advised) return;
    advised = true;
    logger.error({ redis: displayRedisUrl(url), error: reason }, deadRedisAdvice(url, reason));
  };
  const onError = (error: Error) => {
    reason = error.message;
    advise();
  };
  const adviceTimer = setTimeout(advise, timing.adviseAfterMs ?? 5_000);
  const reminder = setInterval(
    () => logger.warn({ redis: displayRedisUrl(url), error: reason }, `still waiting for Redis at ${displayRedisUrl(url)} after ${seconds(Date.now() - since)} (${reason})`),
    timing.remindEveryMs ?? 30_000,
  );
  redis.on('error', onError);
  try {
    // Not events.once: it would reject at the first 'error', and errors are what is waited through here.
    await new Promise((resolve) => redis.once('ready', resolve));
  } finally {
    clearTimeout(adviceTimer);
    clearInterval(reminder);
    redis.off('error', onError);
  }
  if (advised) logger.info(`Redis at ${displayRedisUrl(url)} answers after ${seconds(Date.now() - since)}: starting`);
}
