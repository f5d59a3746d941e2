import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRedis, redisAnswers, RedisUnavailableError } from '../../src/runtime/redis-server.js';
import { freePort, startRedis } from '../support/redis.js';

describe('ensureRedis (how `herald start` finds Redis)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('uses REDIS_URL as given', async () => {
    const target = await ensureRedis({ url: 'redis://example.invalid:1234' });
    expect(target.url).toBe('redis://example.invalid:1234');
    expect(target.child).toBeUndefined();
  });

  it('uses a server that already answers on the port', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const target = await ensureRedis({ port: redis.port });
    expect(target.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(target.child).toBeUndefined();
    expect(target.description).toContain('already running');
  });

  it('starts its own redis-server with AOF data under the data directory, and says so', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'herald-data-'));
    const target = await ensureRedis({ port, dataDir });
    cleanups.push(async () => {
      target.child?.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    });
    expect(target.child).toBeDefined();
    expect(target.description).toContain(dataDir);
    expect(await redisAnswers('127.0.0.1', port)).toBe(true);
    const files = await readdir(dataDir);
    expect(files.some((f) => f.startsWith('appendonly'))).toBe(true);
  });

  it('stops with a message saying how to get Redis when there is no redis-server', async () => {
    const port = await freePort();
    const error = await ensureRedis({ port, pathVariable: '/nonexistent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('apt-get install redis-server');
    expect(message).toContain('brew install redis');
    expect(message).toContain('docker compose up');
  });
});
