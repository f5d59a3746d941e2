/**
 * A start that fails partway (startWorkers throws) closes what it had opened: the store's and
 * the queues' connections, the queues, and the workers already running. Counted on the server:
 * Redis's CLIENT LIST holds the probe's connection alone afterwards.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { startWorkers, type StartWorkersOptions } from '../../src/runtime/workers.js';
import { createKeys } from '../../src/store/keys.js';
import { memoryLogger } from '../support/memory-logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const PREFIX = 'startfail';

let server: TestRedis;
let probe: Redis;

beforeAll(async () => {
  server = await startRedis();
  probe = server.client();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  await probe.flushall();
});

function start(overrides: Partial<StartWorkersOptions>) {
  return startWorkers({
    config: parseConfig({ redis: { prefix: PREFIX } }),
    connection: server.url,
    senders: { console: new ConsoleSender() },
    logger: memoryLogger().logger,
    roles: { worker: false, scheduler: false },
    ...overrides,
  });
}

/** Clients connected to the server, the probe included. */
async function connectedClients(): Promise<number> {
  return ((await probe.client('LIST')) as string).trim().split('\n').length;
}

it('closes its connections and queues when the scheduler sync fails (a Redis error)', { timeout: 30_000 }, async () => {
  // The subscriptions' index as a string: listing the subscriptions answers WRONGTYPE, once the queues are open.
  await probe.set(createKeys(PREFIX).subscriptionIndex(), 'not a set');
  await expect(start({ roles: { worker: false, scheduler: true } })).rejects.toThrow(/WRONGTYPE/);
  await expect.poll(connectedClients, { timeout: 10_000 }).toBe(1);
});

it('closes the workers already running, with the queues and connections, when a worker cannot start', { timeout: 30_000 }, async () => {
  // A concurrency of 0 is refused once the compose worker, started before the deliver one, runs.
  await expect(start({ roles: { worker: true, scheduler: false }, deliverConcurrency: 0 })).rejects.toThrow("the deliver worker's concurrency must be at least 1, not 0");
  await expect.poll(connectedClients, { timeout: 10_000 }).toBe(1);
});
