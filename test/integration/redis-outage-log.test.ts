import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { fanOut } from '../../src/queue/deliver-jobs.js';
import { startWorkers, type RunningWorkers, type Senders } from '../../src/runtime/workers.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, rigSender, saveTestBriefing } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { telegramChat } from '../support/subscription-fixtures.js';

/** How long Redis stays down: the outage the issue reported (60 lines in 2.5 s from four workers). */
const OUTAGE_MS = 2_500;
const CHATS = 60;

interface LogLine {
  level: number;
  msg: string;
  durationMs?: number;
  err?: { message: string };
}

/** pino's warn level: what an operator sees and is paged by. */
const WARN = 40;

let server: TestRedis;
let probe: Redis;
let emulator: TelegramEmulator;
let running: { workers: RunningWorkers; connection: Redis } | undefined;

beforeAll(async () => {
  server = await startRedis({ appendOnly: true });
  probe = server.client();
  // The probe lives through the outages too; its refusals are not what is tested.
  probe.on('error', () => undefined);
  emulator = await startTelegramEmulator({ token: RIG_TOKEN });
});
afterEach(async () => {
  await running?.workers.close();
  await running?.connection.quit();
  running = undefined;
});
afterAll(async () => {
  await emulator.close();
  await server.stop();
});

/** Connections the server has open, Herald's and the probe's own. */
async function connectedClients(): Promise<number> {
  const list = (await probe.client('LIST')) as string;
  return list.trim().split('\n').length;
}

/** Herald's workers on one connection, as `herald start` runs them, with every log line kept. */
async function startHerald(senders: (connection: Redis) => Senders): Promise<{ lines: LogLine[]; connection: Redis; workers: RunningWorkers }> {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const connection = createRedisConnection(server.url, { name: 'herald', logger });
  const workers = await startWorkers({ config: parseConfig({}), connection, senders: senders(connection), logger, roles: { worker: true, scheduler: true } });
  running = { workers, connection };
  // The store's connection, BullMQ's beside it, and a blocking one for each of the three BullMQ workers (compose, deliver, housekeeping); and the probe.
  await expect.poll(connectedClients, { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
  return { lines, connection, workers };
}

it('logs a 2.5 s Redis outage once, when it starts and when it ends with its duration, not once per worker and retry', { timeout: 90_000 }, async () => {
  const { lines } = await startHerald(() => ({ console: new ConsoleSender() }));
  const before = await connectedClients();
  const linesBefore = lines.length;

  await server.down();
  await expect.poll(() => lines.length, { timeout: 30_000 }).toBeGreaterThan(linesBefore);
  // The outage itself: Redis stays away this long while every connection keeps retrying.
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  await server.up();
  // Every connection has found its way back, so no late retry can still report the outage.
  await expect.poll(connectedClients, { timeout: 30_000 }).toBeGreaterThanOrEqual(before);
  await expect.poll(() => lines.some((line) => /^Redis is back/.test(line.msg)), { timeout: 30_000 }).toBe(true);

  const outageLines = lines.slice(linesBefore);
  expect(outageLines.map((line) => line.msg)).toEqual([expect.stringMatching(/^Redis is unreachable/), expect.stringMatching(/^Redis is back after \d+\.\d s$/)]);
  expect(outageLines[0]!.level).toBe(WARN);
  expect(outageLines[0]!.err?.message).toMatch(/ECONNREFUSED|ECONNRESET/);
  expect(outageLines[1]!.durationMs).toBeGreaterThanOrEqual(OUTAGE_MS);
});

it('logs a restart in the middle of a fan-out as one outage, with no error line from the workers', { timeout: 120_000 }, async () => {
  const keys = createKeys('herald');
  const subs = Array.from({ length: CHATS }, (_, i) => telegramChat(700 + i));
  const { lines, connection, workers } = await startHerald((redis) => ({
    console: new ConsoleSender(),
    // Paced delivery keeps writes to Redis in flight when it goes down.
    telegram: rigSender(redis, emulator.apiRoot, { pacing: { global: { limit: 40, perMs: 1000 }, perChat: { limit: 100, perMs: 1000 }, perGroup: { limit: 100, perMs: 1000 } } }),
  }));
  const subscriptions = new SubscriptionStore(connection, keys);
  for (const sub of subs) {
    emulator.addChat({ id: Number(sub.destination.chatId), type: 'private' });
    await subscriptions.upsert(sub);
  }
  await saveTestBriefing(new BriefingStore(connection, keys), 'outage-fanout');
  const linesBefore = lines.length;
  await fanOut(workers.queues.deliver, 'outage-fanout', subs);
  await expect.poll(() => emulator.stats.sent, { timeout: 60_000, interval: 10 }).toBeGreaterThan(CHATS / 2);
  await server.restart();
  await expect.poll(async () => (await workers.queues.deliver.getJobCounts('completed')).completed, { timeout: 90_000, interval: 200 }).toBe(CHATS);

  // Job outcomes may be logged too (a delivery whose lock the restart lost is retried); the connection's lines are what is tested.
  const connectionLines = lines.slice(linesBefore).filter((line) => line.level >= WARN && (line.msg === 'worker error' || /Redis/.test(line.msg)));
  expect(connectionLines.map((line) => line.msg)).toEqual([expect.stringMatching(/^Redis (is unreachable|connection dropped)/)]);
});
