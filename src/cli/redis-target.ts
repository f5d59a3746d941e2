import { Redis } from 'ioredis';
import type { HeraldConfig } from '../config/schema.js';

/** Where a one-shot command looks for Redis: the configured URL, else the local default port. */
export function redisUrlOf(config: Pick<HeraldConfig, 'redis'>): string {
  return config.redis.url ?? 'redis://127.0.0.1:6379';
}

/**
 * A connection for a one-shot command: unlike the workers' it gives up at once when Redis is
 * not there, so the command can say so instead of waiting forever.
 */
export async function connectOnce(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5_000 });
  // connect() itself only says "Connection is closed"; the socket's own error says why (refused, unknown host…).
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = (cause ?? (error as Error)).message;
    throw new Error(`cannot reach Redis at ${url}: ${reason}`);
  }
  return redis;
}
