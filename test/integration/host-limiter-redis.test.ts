import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisHostLimiter } from '../../src/feeds/host-limiter.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await server?.stop();
});

/** Runs `count` tasks for one host spread over the limiters (workers) and returns the most that ran at once. */
async function peakConcurrency(limiters: RedisHostLimiter[], host: string, count: number): Promise<number> {
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      limiters[index % limiters.length]!.run(host, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running -= 1;
      }),
    ),
  );
  return peak;
}

describe('RedisHostLimiter (the per-host fetch limit shared by every worker)', () => {
  it('lets no more than perHost tasks per host run at once across processes, and other hosts run beside them', async () => {
    const workers = [server.client(), server.client(), server.client()].map((redis) => new RedisHostLimiter(redis, { perHost: 2, leaseMs: 30_000, keyPrefix: 'shared:' }));
    const [peak, otherPeak] = await Promise.all([peakConcurrency(workers, 'news.example', 12), peakConcurrency(workers, 'other.example', 12)]);
    expect(peak).toBe(2);
    expect(otherPeak).toBe(2);
    expect(await server.client().exists('shared:news.example')).toBe(0);
  });

  it("gives a crashed worker's slot back once its lease runs out", async () => {
    const redis: Redis = server.client();
    // The crashed worker's limiter defined the lease script on its connection, took the only slot and never gave it back.
    new RedisHostLimiter(redis, { perHost: 1, leaseMs: 500, keyPrefix: 'crash:' });
    expect(await redis.heraldTakeHostLease('crash:slow.example', 'dead-worker', 1, 500)).toBe(0);
    const survivor = new RedisHostLimiter(server.client(), { perHost: 1, leaseMs: 500, keyPrefix: 'crash:' });
    let ran = false;
    await survivor.run('slow.example', async () => {
      ran = true;
      expect(await redis.zrange('crash:slow.example', 0, -1)).not.toContain('dead-worker');
    });
    expect(ran).toBe(true);
  });
});
