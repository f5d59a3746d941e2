/**
 * BullMQ's queues and workers run on a connection of their own (openQueueConnection): the Lua
 * scripts BullMQ defines stay off the store's client, and Herald's off BullMQ's, as each
 * pipeline() and multi() of a client copies the scripts defined on it; shutdown closes that
 * connection with the rest.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createRedisConnection, openQueueConnection } from '../../src/queue/connection.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { memoryLogger } from '../support/memory-logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});

it("keeps BullMQ's scripts off the store's connection and Herald's off the queues', and closes the queues' own at shutdown", { timeout: 30_000 }, async () => {
  const probe = server.client();
  const connection = createRedisConnection(server.url, { name: 'herald' });
  const workers = await startWorkers({ config: parseConfig({}), connection, senders: { console: new ConsoleSender() }, logger: memoryLogger().logger, roles: { worker: true, scheduler: true } });
  try {
    // BullMQ defines its scripts once its connection is ready.
    await Promise.all(workers.jobQueues.map((queue) => queue.waitUntilReady()));
    // Herald's own scripts are all named herald…; BullMQ's are `name:version`.
    expect(Object.keys(connection.scriptsSet).filter((name) => !name.startsWith('herald'))).toEqual([]);
    // The scheduler role read the compose schedulers' records with a script of Herald's: on the store's connection.
    const queues = workers.queues.compose.opts.connection as Redis;
    expect(Object.keys(queues.scriptsSet).filter((name) => name.startsWith('herald'))).toEqual([]);
  } finally {
    await workers.close();
    await connection.quit();
  }
  // Herald's connections are all closed: the probe's is the only one left.
  await expect.poll(async () => ((await probe.client('LIST')) as string).trim().split('\n').length, { timeout: 10_000 }).toBe(1);
  probe.disconnect();
});

it("says so when Redis refuses the queues' connection alone (maxclients), and when it is ready after all", { timeout: 30_000 }, async () => {
  const probe = server.client();
  const connection = createRedisConnection(server.url, { name: 'herald' });
  const { logger, lines } = memoryLogger();
  await connection.ping();
  // The probe and the store's connection: Redis refuses a third client.
  await probe.config('SET', 'maxclients', '2');
  const queues = openQueueConnection(connection, logger);
  try {
    await expect.poll(() => lines.filter((line) => line.level === 50).map((line) => line.connection), { timeout: 10_000 }).toEqual(['queues']);
    await probe.config('SET', 'maxclients', '10000');
    await expect.poll(() => lines.some((line) => line.level === 30 && line.connection === 'queues'), { timeout: 15_000 }).toBe(true);
    expect(queues.status).toBe('ready');
    expect(lines.filter((line) => line.level === 50)).toHaveLength(1);
  } finally {
    await probe.config('SET', 'maxclients', '10000');
    queues.disconnect();
    await connection.quit();
    probe.disconnect();
  }
});
