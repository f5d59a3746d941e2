import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/platforms/delivery.js';
import { createComposeQueue, scheduledTime, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { removeSubscriptionSchedulers, syncSubscriptionSchedulers, upsertSubscriptionSchedulers } from '../../src/queue/subscription-schedulers.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore, subscriptionIdFor } from '../../src/store/subscriptions.js';
import { runHousekeeping } from '../../jobs/housekeeping.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { ItemStore } from '../../src/store/items.js';
import { bundleFamily, bundleKey, windowFor } from '../../src/subscriptions/bundle.js';
import { commandCallsDuring, startRedis, type TestRedis } from '../support/redis.js';
import { subscriptionFor, telegramChat } from '../support/subscription-fixtures.js';

let server: TestRedis;
let connection: Redis;
let store: SubscriptionStore;
let queue: ComposeQueue;

beforeAll(async () => {
  server = await startRedis();
  connection = createRedisConnection(server.url);
  store = new SubscriptionStore(connection, createKeys('subs-test'));
  queue = createComposeQueue(connection, 'subs-test');
});
afterAll(async () => {
  await queue.close();
  connection.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await connection.flushall();
});

const destination = fc.record({
  platform: fc.constantFrom('telegram' as const, 'discord' as const, 'console' as const),
  chatId: fc.oneof(fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }).map(String), fc.stringMatching(/^@[a-z][a-z0-9_]{4,31}$/)),
  threadId: fc.option(fc.integer({ min: 1, max: 1_000_000 }).map(String), { nil: undefined }),
});

describe('subscriptionIdFor', () => {
  it('is stable, free of ":" (BullMQ job ids) and distinct for distinct destinations', () => {
    fc.assert(
      fc.property(destination, destination, (a: Destination, b: Destination) => {
        const idA = subscriptionIdFor(a);
        expect(idA).toBe(subscriptionIdFor({ ...a }));
        expect(idA).not.toContain(':');
        const same = a.platform === b.platform && a.chatId === b.chatId && a.threadId === b.threadId;
        expect(idA === subscriptionIdFor(b)).toBe(same);
      }),
    );
  });
});

describe('SubscriptionStore', () => {
  it('stores, lists by platform and state, deactivates with a reason and removes', async () => {
    const chat = telegramChat(42);
    const channel = subscriptionFor({ platform: 'discord', chatId: '9001' });
    await store.upsert(chat);
    await store.upsert(channel);
    expect(await store.get(chat.id)).toEqual(chat);
    expect((await store.list({ platform: 'discord' })).map((s) => s.id)).toEqual([channel.id]);

    await store.deactivate(chat.id, 'bot was blocked by the user');
    expect(await store.get(chat.id)).toMatchObject({ active: false, inactiveReason: 'bot was blocked by the user' });
    expect((await store.list({ active: true })).map((s) => s.id)).toEqual([channel.id]);

    expect(await store.remove(channel.id)).toBe(true);
    expect(await store.remove(channel.id)).toBe(false);
    expect((await store.list()).map((s) => s.id)).toEqual([chat.id]);
  });

  it('applies the jobs\' own field updates without undoing each other, and never to a missing subscription', async () => {
    const sub = telegramChat(43);
    await store.upsert(sub);
    // A delivery deactivating and a compose moving the window on, in either order, keep both.
    await Promise.all([store.deactivate(sub.id, 'chat not found'), store.setLastWindowEnd(sub.id, new Date('2025-03-11T06:30:00Z'))]);
    expect(await store.get(sub.id)).toEqual({ ...sub, active: false, inactiveReason: 'chat not found', lastWindowEnd: '2025-03-11T06:30:00.000Z' });
    await store.upsert({ ...sub, active: true });
    expect(await store.get(sub.id)).toEqual(sub);
    await store.setLastWindowEnd('telegram/404', new Date());
    await store.deactivate('telegram/404', 'gone');
    expect(await store.get('telegram/404')).toBeUndefined();
  });

  it('lists each subscription, with the jobs\' own fields, as the values of its fields: no HGETALL', async () => {
    const subs = [telegramChat(44), telegramChat(45), telegramChat(46)];
    for (const sub of subs) await store.upsert(sub);
    await store.deactivate(subs[0]!.id, 'chat not found');
    await store.setLastWindowEnd(subs[1]!.id, new Date('2025-03-11T06:30:00Z'));
    let listed: Awaited<ReturnType<SubscriptionStore['list']>> = [];
    // Every start lists 10,000 of them: HGETALL would send each field's name along with its value.
    expect(await commandCallsDuring(server.client(), 'hgetall', async () => (listed = await store.list()))).toBe(0);
    expect(listed).toEqual([{ ...subs[0]!, active: false, inactiveReason: 'chat not found' }, { ...subs[1]!, lastWindowEnd: '2025-03-11T06:30:00.000Z' }, subs[2]]);
  });

  it('moves a group to its supergroup, keeping everything else, and leaves a pointer for deliveries in flight', async () => {
    const group = subscriptionFor({ platform: 'telegram', chatId: '-4001', channelKind: 'group' }, { feedIds: ['f1'], breakingMinSources: 3, lastWindowEnd: '2025-03-01T06:30:00.000Z' });
    await store.upsert(group);
    const moved = await store.moveDestination(group.id, '-1004001');
    expect(moved).toMatchObject({ id: 'telegram/-1004001', destination: { chatId: '-1004001', channelKind: 'supergroup' }, feedIds: ['f1'], lastWindowEnd: group.lastWindowEnd });
    expect(await store.get(group.id)).toBeUndefined();
    expect(await store.resolve(group.id)).toEqual(moved);
    expect((await store.listBreaking(await store.breakingIds())).map((s) => s.id)).toEqual([moved!.id]);
    expect(await store.moveDestination('telegram/missing', '-1')).toBeUndefined();
  });
});

describe('subscription schedulers', () => {
  const schedulers = async () => (await queue.getJobSchedulers()).map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz })).sort((a, b) => a.key.localeCompare(b.key));

  it('has one scheduler per cron entry in the subscription zone, replaces stale entries and removes them all', async () => {
    const sub = telegramChat(7, { schedule: { weekdays: ['07:30', '18:00'], weekends: ['09:00'], timezone: 'Europe/Berlin' } });
    await upsertSubscriptionSchedulers(queue, sub);
    expect(await schedulers()).toEqual([
      { key: 'compose-telegram/7-wd-0730', pattern: '30 7 * * 1-5', tz: 'Europe/Berlin' },
      { key: 'compose-telegram/7-wd-1800', pattern: '0 18 * * 1-5', tz: 'Europe/Berlin' },
      { key: 'compose-telegram/7-we-0900', pattern: '0 9 * * 0,6', tz: 'Europe/Berlin' },
    ]);
    const other = telegramChat(70);
    await upsertSubscriptionSchedulers(queue, other);

    await upsertSubscriptionSchedulers(queue, { ...sub, schedule: { weekdays: ['06:45'], timezone: 'Asia/Tokyo' } });
    expect((await schedulers()).filter((s) => s.key.startsWith('compose-telegram/7-'))).toEqual([{ key: 'compose-telegram/7-daily-0645', pattern: '45 6 * * *', tz: 'Asia/Tokyo' }]);

    await removeSubscriptionSchedulers(queue, sub.id);
    expect((await schedulers()).map((s) => s.key)).toEqual(['compose-telegram/70-daily-0730']);
  });

  it('plans the next compose job at the next local briefing time, which becomes the window end', async () => {
    const sub = telegramChat(5, { schedule: { weekdays: ['07:30'], timezone: 'Asia/Tokyo' } });
    await upsertSubscriptionSchedulers(queue, sub);
    const [job] = await queue.getJobs(['delayed']);
    expect(job!.data).toEqual({ subscriptionId: sub.id });
    const at = scheduledTime(job!);
    expect(at.getTime()).toBeGreaterThan(Date.now());
    expect(at.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(at.toISOString().slice(11)).toBe('22:30:00.000Z');
  });

  it('gives an inactive subscription no scheduler, and sync keeps exactly the active ones', async () => {
    const active = telegramChat(1);
    const inactive = telegramChat(2, { active: false });
    await upsertSubscriptionSchedulers(queue, inactive);
    expect(await schedulers()).toEqual([]);
    await upsertSubscriptionSchedulers(queue, telegramChat(3));
    expect(await syncSubscriptionSchedulers(queue, connection, [active, inactive])).toEqual({ upserted: 1, kept: 0, removed: 1 });
    expect((await schedulers()).map((s) => s.key)).toEqual(['compose-telegram/1-daily-0730']);
  });

  it('leaves a scheduler already right alone at sync, and updates a changed one', async () => {
    const unchanged = telegramChat(1, { schedule: { weekdays: ['07:30'], timezone: 'Asia/Tokyo' } });
    const moved = telegramChat(2);
    expect(await syncSubscriptionSchedulers(queue, connection, [unchanged, moved])).toEqual({ upserted: 2, kept: 0, removed: 0 });
    // An upsert replaces the planned job with a new one (a new timestamp), even at the same time.
    const planned = async () => new Map((await queue.getJobs(['delayed'])).map((job) => [job.data.subscriptionId, { id: job.id, timestamp: job.timestamp }]));
    const before = await planned();
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Same entry (daily at 07:30), another zone: the same scheduler, rewritten.
    const later = { ...moved, schedule: { weekdays: ['07:30'], timezone: 'Europe/Berlin' } };
    expect(await syncSubscriptionSchedulers(queue, connection, [unchanged, later])).toEqual({ upserted: 1, kept: 1, removed: 0 });
    const after = await planned();
    expect(after.get(unchanged.id)).toEqual(before.get(unchanged.id));
    expect(after.get(moved.id)?.id).not.toBe(before.get(moved.id)?.id);
    expect((await schedulers()).find((s) => s.key.startsWith('compose-telegram/2-'))).toEqual({ key: 'compose-telegram/2-daily-0730', pattern: '30 7 * * *', tz: 'Europe/Berlin' });

  });
});

describe('bundles and windows', () => {
  const HOUR = 3_600_000;
  const now = new Date('2025-03-11T06:30:00Z');
  const words = fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 5 });

  it('starts the first window 24 h back and every later one where the previous ended', () => {
    expect(windowFor({}, now)).toEqual({ from: new Date(now.getTime() - 24 * HOUR), to: now });
    expect(windowFor({ lastWindowEnd: '2025-03-10T18:00:00.000Z' }, now)).toEqual({ from: new Date('2025-03-10T18:00:00Z'), to: now });
  });

  it('keys a bundle by feeds, sections and settings in any order, and by window; never with "-" or ":"', () => {
    fc.assert(
      fc.property(words, words, fc.integer({ min: 1, max: 72 }), (feedIds, mutes, hours) => {
        const sub = telegramChat(1, { feedIds, settings: { ...telegramChat(1).settings, mutes } });
        const shuffled = telegramChat(2, { feedIds: [...feedIds].reverse(), settings: { ...sub.settings, mutes: [...mutes].reverse() } });
        const window = { from: new Date(now.getTime() - hours * HOUR), to: now };
        const key = bundleKey(sub, window);
        expect(bundleKey(shuffled, window)).toBe(key);
        expect(key).toMatch(/^[A-Za-z0-9_]+$/);
        expect(bundleKey(sub, { ...window, from: new Date(window.from.getTime() - 60_000) })).not.toBe(key);
        expect(bundleKey({ ...sub, feedIds: [...feedIds, 'another-feed'] }, window)).not.toBe(key);
        expect(bundleKey({ ...sub, schedule: { ...sub.schedule, timezone: 'Asia/Tokyo' } }, window)).not.toBe(key);
        expect(bundleFamily(shuffled)).toBe(bundleFamily(sub));
      }),
    );
  });
});

describe('housekeeping', () => {
  it('removes compose schedulers whose subscription is gone or inactive, and dead letters whose briefing expired', async () => {
    const keys = createKeys('subs-test');
    const kept = telegramChat(1);
    const deactivated = telegramChat(2);
    for (const sub of [kept, deactivated, telegramChat(3)]) await upsertSubscriptionSchedulers(queue, sub);
    await store.upsert(kept);
    await store.upsert({ ...deactivated, active: false });
    const deliveries = new DeliveryStore(connection, keys);
    const letter = { briefingId: 'b', subscriptionId: kept.id, destination: kept.destination, reason: '500', attempts: 8 };
    await deliveries.addDeadLetter({ ...letter, id: 'old', failedAt: '2025-01-01T00:00:00.000Z' });
    await deliveries.addDeadLetter({ ...letter, id: 'recent', failedAt: '2025-03-10T00:00:00.000Z' });

    const result = await runHousekeeping({ items: new ItemStore(connection, keys, { retentionDays: 7 }), deliveries, subscriptions: store, composeQueue: queue, placeItems: async () => undefined, alertCopies: async () => undefined, alertLeftPending: async () => 0, now: () => new Date('2025-03-11T00:00:00Z') });
    expect(result).toEqual({ itemIndexEntriesDropped: 0, deadLettersDropped: 1, orphanSchedulersRemoved: 2, leftItemsPlaced: 0, leftAlertsSent: 0, leftCopiesAlerted: 0 });
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['compose-telegram/1-daily-0730']);
    expect((await deliveries.deadLetters()).map((l) => l.id)).toEqual(['recent']);
  });
});
