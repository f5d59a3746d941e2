import { getNextMillis } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createComposeQueue, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { upsertSubscriptionSchedulers } from '../../src/queue/subscription-schedulers.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { telegramChat } from '../support/subscription-fixtures.js';

let server: TestRedis;
let connection: Redis;
let queue: ComposeQueue;

beforeAll(async () => {
  server = await startRedis();
  connection = createRedisConnection(server.url);
  queue = createComposeQueue(connection, 'dst');
});
afterAll(async () => {
  await queue.close();
  connection.disconnect();
  await server.stop();
});

const berlin = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** "YYYY-MM-DD HH:MM" on Berlin's wall clock. */
function berlinWallClock(ms: number): string {
  const parts = Object.fromEntries(berlin.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/**
 * Runs BullMQ would make of the stored scheduler between two instants: each next run computed
 * from the previous one with BullMQ's own repeat strategy, as its scheduler does.
 */
async function runsBetween(schedulerId: string, from: string, to: string): Promise<string[]> {
  const scheduler = await queue.getJobScheduler(schedulerId);
  const repeat = { pattern: scheduler!.pattern!, tz: scheduler!.tz! };
  const runs: string[] = [];
  for (let at = getNextMillis(Date.parse(from), repeat); at !== undefined && at < Date.parse(to); at = getNextMillis(at, repeat)) runs.push(berlinWallClock(at));
  return runs;
}

it('gives a 07:30 Europe/Berlin subscription exactly one briefing each local day across both 2025 transitions', async () => {
  const sub = telegramChat(1, { schedule: { weekdays: ['07:30'], timezone: 'Europe/Berlin' } });
  await upsertSubscriptionSchedulers(queue, sub);
  const id = 'compose-telegram/1-daily-0730';

  // Spring forward on 30 March (02:00 → 03:00), fall back on 26 October (03:00 → 02:00).
  expect(await runsBetween(id, '2025-03-27T23:00:00Z', '2025-04-02T22:00:00Z')).toEqual(
    ['03-28', '03-29', '03-30', '03-31', '04-01', '04-02'].map((day) => `2025-${day} 07:30`),
  );
  expect(await runsBetween(id, '2025-10-23T22:00:00Z', '2025-10-29T23:00:00Z')).toEqual(
    ['10-24', '10-25', '10-26', '10-27', '10-28', '10-29'].map((day) => `2025-${day} 07:30`),
  );
});

it('keeps weekday and weekend times apart across the spring transition weekend', async () => {
  const sub = telegramChat(2, { schedule: { weekdays: ['07:30'], weekends: ['09:00'], timezone: 'Europe/Berlin' } });
  await upsertSubscriptionSchedulers(queue, sub);
  const weekdays = await runsBetween('compose-telegram/2-wd-0730', '2025-03-27T23:00:00Z', '2025-04-01T22:00:00Z');
  const weekends = await runsBetween('compose-telegram/2-we-0900', '2025-03-27T23:00:00Z', '2025-04-01T22:00:00Z');
  expect([...weekdays, ...weekends].sort()).toEqual(['2025-03-28 07:30', '2025-03-29 09:00', '2025-03-30 09:00', '2025-03-31 07:30', '2025-04-01 07:30']);
});
