import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { openQueue, QUEUE_NAMES } from '../../src/queue/names.js';
import { createPollQueue } from '../../src/queue/poll-jobs.js';
import { nextPollAt, pollJitterMs, syncFeedSchedule } from '../../src/queue/schedulers.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { syncConfigFeeds, type FeedSyncReport } from '../../src/config/feed-sync.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { commandCallsDuring, startRedis, type TestRedis } from '../support/redis.js';

const PREFIX = 'cfgfeeds';
const A = 'https://a.example/feed.xml';
const B = 'https://b.example/feed.xml';
const CHAT = 'https://chat.example/feed.xml';
const OPML = 'https://opml.example/feed.xml';
const OLD = 'https://old.example/feed.xml';

let server: TestRedis;
let feeds: FeedStore;

/** `herald start --role scheduler` with this list of config feeds: what it logged and the feeds it left in the poll schedule. */
async function startWith(urls: Array<string | { url: string; interval?: number; name?: string }>): Promise<{ log: string; scheduled: string[] }> {
  let log = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  const config = parseConfig({ redis: { prefix: PREFIX }, feeds: urls, defaults: { briefingTime: '03:00' } });
  const workers = await startWorkers({ config, connection: server.url, senders: { console: new ConsoleSender(destination) }, logger: createLogger({ destination }), roles: { worker: false, scheduler: true } });
  try {
    const scheduled = [...(await workers.queues.poll.dueTimes()).keys()].sort();
    return { log, scheduled };
  } finally {
    await workers.close();
  }
}

const urls = async () => (await feeds.list()).map((feed) => `${feed.origin ?? 'unknown'} ${feed.url}`).sort();

beforeAll(async () => {
  server = await startRedis();
  feeds = new FeedStore(server.client(), createKeys(PREFIX));
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  await server.client().flushall();
});

describe('the config owns the feeds it lists', () => {
  it('removes a feed taken out of the config at the next start, and leaves feeds added in a chat or from OPML alone', async () => {
    await startWith([A, B]);
    await feeds.add({ url: CHAT, intervalMinutes: 15 });
    await feeds.add({ url: OPML, intervalMinutes: 15, origin: 'opml' });
    expect(await urls()).toEqual([`chat ${CHAT}`, `config ${A}`, `config ${B}`, `opml ${OPML}`]);

    const { log, scheduled } = await startWith([B]);
    expect(await urls()).toEqual([`chat ${CHAT}`, `config ${B}`, `opml ${OPML}`]);
    expect(scheduled).toEqual((await feeds.list()).map((feed) => feed.id).sort());
    expect(log).toContain(`"url":"${A}"`);
    expect(log).toContain(`feed removed: ${A} is no longer listed in the config`);
    expect(log).toContain('config feeds in place: 0 added, 1 kept, 1 removed');
  });

  it('stores a feed:// URL listed in the config as the http:// one, the feed a later start with that URL keeps', async () => {
    await startWith([A.replace(/^https:/, 'feed:'), 'feed:https://b.example/feed.xml']);
    expect(await urls()).toEqual([`config ${A.replace(/^https:/, 'http:')}`, `config ${B}`]);
    const { log } = await startWith([A.replace(/^https:/, 'http:'), B]);
    expect(log).toContain('config feeds in place: 0 added, 2 kept, 0 removed');
  });

  it('claims a feed stored before origins were recorded when the config lists it, and keeps one it does not list', async () => {
    const legacyListed = (await feeds.add({ url: A, intervalMinutes: 15 })).feed;
    const legacyUnlisted = (await feeds.add({ url: OLD, intervalMinutes: 15 })).feed;
    for (const feed of [legacyListed, legacyUnlisted]) await server.client().hdel(createKeys(PREFIX).feed(feed.id), 'origin');
    await startWith([A, B]);
    expect(await urls()).toEqual([`config ${A}`, `config ${B}`, `unknown ${OLD}`]);
    await startWith([B]);
    expect(await urls()).toEqual([`config ${B}`, `unknown ${OLD}`]);
  });

  it('keeps a chat\'s feed that the config also lists when the config drops it', async () => {
    await feeds.add({ url: CHAT, intervalMinutes: 15 });
    await startWith([CHAT, A]);
    await startWith([A]);
    expect(await urls()).toEqual([`chat ${CHAT}`, `config ${A}`]);
  });

  it('removes nothing when the config lists no feed at all, and says how to remove them', async () => {
    await startWith([A, B]);
    const { log } = await startWith([]);
    expect(await urls()).toEqual([`config ${A}`, `config ${B}`]);
    expect(log).toContain('the config lists no feeds: the 2 it listed before are kept. Remove them with `herald feeds remove URL`');
  });

  it('stores every config feed of a long list, and updates the settings that changed at the next start', async () => {
    const listed = Array.from({ length: 1200 }, (_, i) => `https://feeds.invalid/${i}.xml`);
    await startWith(listed.map((url) => ({ url, interval: 30 })));
    await startWith(listed.map((url, i) => ({ url, interval: i === 7 ? 60 : 30, ...(i === 8 && { name: 'Renamed' }) })));
    const stored = await feeds.list();
    expect(stored).toHaveLength(listed.length);
    const byUrl = new Map(stored.map((feed) => [feed.url, feed]));
    expect(byUrl.get(listed[7]!)).toMatchObject({ intervalMinutes: 60 });
    expect(byUrl.get(listed[8]!)).toMatchObject({ intervalMinutes: 30, name: 'Renamed' });
    expect(stored.filter((feed) => feed.intervalMinutes === 30)).toHaveLength(listed.length - 1);
  });
});

describe('syncing the config feeds', () => {
  const config = (listed: Array<{ url: string; interval?: number }>) => parseConfig({ redis: { prefix: PREFIX }, feeds: listed, defaults: { briefingTime: '03:00' } });

  it('returns the catalogue as stored after the sync: poll states kept, settings as updated, new feeds in, removed ones out', async () => {
    await syncConfigFeeds(config([{ url: A }, { url: B }, { url: OLD }]), feeds);
    const a = (await feeds.findByUrl(A))!;
    await feeds.saveState(a.id, { consecutiveFailures: 2, etag: '"a1"', lastPolledAt: '2025-03-11T07:00:00.000Z', lastError: 'HTTP 503' });
    await feeds.add({ url: CHAT, intervalMinutes: 15 });

    const report = await syncConfigFeeds(config([{ url: A, interval: 60 }, { url: B }, { url: OPML }]), feeds);
    const stored = await feeds.listWithState();
    expect(report.catalogue).toEqual(stored);
    expect(stored.map(({ feed }) => feed.url)).toEqual([A, B, CHAT, OPML]);
    expect(stored[0]).toEqual({ feed: { ...a, intervalMinutes: 60 }, state: { consecutiveFailures: 2, etag: '"a1"', lastPolledAt: '2025-03-11T07:00:00.000Z', lastError: 'HTTP 503' } });
    expect(report.removed.map((feed) => feed.url)).toEqual([OLD]);
  });

  it('returns the poll states as they are after the adding: a feed a worker disabled or polled meanwhile is scheduled as it is now', async () => {
    await syncConfigFeeds(config([{ url: A }, { url: B }]), feeds);
    const [a, b] = await feeds.list();
    /** The store of this start, while a worker of another process polls: A fails for good, B is polled, as the adding begins. */
    class PolledDuringTheSync extends FeedStore {
      override async addMany(...args: Parameters<FeedStore['addMany']>): ReturnType<FeedStore['addMany']> {
        await feeds.saveState(a!.id, { consecutiveFailures: 10, disabledReason: 'HTTP 410' });
        await feeds.saveState(b!.id, { consecutiveFailures: 0, lastPolledAt: '2025-03-11T07:00:00.000Z' });
        return super.addMany(...args);
      }
    }
    const report = await syncConfigFeeds(config([{ url: A }, { url: B }]), new PolledDuringTheSync(server.client(), createKeys(PREFIX)));
    expect(report.catalogue).toEqual(await feeds.listWithState());
    expect(report.catalogue.map(({ state }) => state)).toEqual([
      { consecutiveFailures: 10, disabledReason: 'HTTP 410' },
      { consecutiveFailures: 0, lastPolledAt: '2025-03-11T07:00:00.000Z' },
    ]);
  });

  it('removes a feed the config added and no longer lists though another start stored it during the sync (a rolling restart with an older config)', async () => {
    await syncConfigFeeds(config([{ url: A }]), feeds);
    class OlderConfigStartsMeanwhile extends FeedStore {
      override async addMany(...args: Parameters<FeedStore['addMany']>): ReturnType<FeedStore['addMany']> {
        await syncConfigFeeds(config([{ url: A }, { url: OLD }]), feeds);
        return super.addMany(...args);
      }
    }
    const report = await syncConfigFeeds(config([{ url: A }, { url: B }]), new OlderConfigStartsMeanwhile(server.client(), createKeys(PREFIX)));
    expect(report.removed.map((feed) => feed.url)).toEqual([OLD]);
    expect(report.catalogue.map(({ feed }) => feed.url)).toEqual([A, B]);
    expect(report.catalogue).toEqual(await feeds.listWithState());
  });

  it('reads each stored feed and poll state once', async () => {
    const listed = Array.from({ length: 1200 }, (_, i) => ({ url: `https://feeds.invalid/${i}.xml` }));
    // HGETALLs and HMGETs of one sync, counted together.
    const reads = async () => {
      let hgetall = 0;
      const hmget = await commandCallsDuring(server.client(), 'hmget', async () => (hgetall = await commandCallsDuring(server.client(), 'hgetall', () => syncConfigFeeds(config(listed), feeds))));
      return { hgetall, hmget };
    };
    // A first start reads nothing: the catalogue is empty, and what it adds it knows. Its HMGETs look the URLs up.
    const first = await reads();
    expect(first.hgetall).toBe(0);
    // A restart reads every feed's state (HGETALL) and record once; a record as the values of its fields (HMGET), without their names.
    expect(await reads()).toEqual({ hgetall: listed.length, hmget: first.hmget + listed.length });
  });
});

describe('a start after the per-feed job schedulers', () => {
  it('removes them once and schedules their feeds at the same phase of their interval', async () => {
    const { feed } = await feeds.add({ url: A, intervalMinutes: 15, origin: 'config' });
    const polledAt = Date.now() - 60_000;
    await feeds.saveState(feed.id, { consecutiveFailures: 0, lastPolledAt: new Date(polledAt).toISOString() });
    const connection = createRedisConnection(server.url);
    const old = openQueue(QUEUE_NAMES.pollFeed, connection, PREFIX);
    await old.upsertJobScheduler(`poll-${feed.id}`, { every: 15 * 60_000, offset: pollJitterMs(feed.id, 15 * 60_000) }, { name: 'poll', data: { feedId: feed.id } });
    await old.close();
    connection.disconnect();

    const first = await startWith([A]);
    expect(first.log).toContain('removed the per-feed poll job schedulers');
    expect(await server.client().keys(`{${PREFIX}}:${QUEUE_NAMES.pollFeed}:*`)).toEqual([]);
    expect(first.scheduled).toEqual([feed.id]);
    const due = await createPollQueue(server.client(), PREFIX).dueAt(feed.id);
    expect(due).toBeGreaterThan(Date.now() - 60_000);
    expect(due).toBe(nextPollAt(feed, due! - 1));
    expect((await startWith([A])).log).not.toContain('removed the per-feed poll job schedulers');
  });
});

describe('two starts with the same config at once (two worker processes of one deploy)', () => {
  const LEGACY = 'https://legacy.example/feed.xml';
  const LONG = Array.from({ length: 600 }, (_, i) => `https://many.invalid/${i}.xml`);
  const listed = [A, B, LEGACY, CHAT, ...LONG];
  const config = () => parseConfig({ redis: { prefix: PREFIX }, feeds: listed, defaults: { briefingTime: '03:00' } });
  const keys = createKeys(PREFIX);

  /** The catalogue the last start left: A and OLD from the config, a chat's feed, one stored before origins were recorded. */
  async function lastStartLeft(): Promise<void> {
    await syncConfigFeeds(parseConfig({ redis: { prefix: PREFIX }, feeds: [A, OLD] }), feeds);
    await feeds.add({ url: CHAT, intervalMinutes: 15 });
    const legacy = (await feeds.add({ url: LEGACY, intervalMinutes: 15 })).feed;
    await server.client().hdel(keys.feed(legacy.id), 'origin');
  }

  /** Every listed feed stored once with its owner, OLD gone with all its keys, and every URL leading to a stored feed. */
  async function expectOneFeedPerUrl(): Promise<string[]> {
    expect(await urls()).toEqual([`chat ${CHAT}`, ...[A, B, LEGACY, ...LONG].map((url) => `config ${url}`)].sort());
    const ids = await feeds.ids();
    expect(new Set(ids).size).toBe(ids.length);
    expect(await server.client().keys(keys.feed('*'))).toHaveLength(ids.length);
    const byUrl = await server.client().hgetall(keys.feedUrls());
    expect(Object.keys(byUrl).sort()).toEqual([...listed].sort());
    expect(new Set(Object.values(byUrl))).toEqual(new Set(ids));
    return ids;
  }

  /** Each sync's report says the catalogue as it is now, and the two together removed OLD once and added B and the long list. */
  async function expectReportsAgree(reports: FeedSyncReport[]): Promise<void> {
    const stored = (await feeds.listWithState()).map(({ feed }) => feed);
    for (const report of reports) expect(report.catalogue.map(({ feed }) => feed)).toEqual(stored);
    expect(reports.flatMap((report) => report.removed.map((feed) => feed.url))).toEqual([OLD]);
    // Added by one of them each: the other found it stored.
    expect(reports.flatMap((report) => report.added.map((feed) => feed.url)).sort()).toEqual([B, ...LONG].sort());
  }

  it('store, report and schedule every listed feed once when both sync at the same moment', async () => {
    await lastStartLeft();
    const stores = [new FeedStore(server.client(), keys), new FeedStore(server.client(), keys)];
    const reports = await Promise.all(stores.map((store) => syncConfigFeeds(config(), store)));
    const ids = await expectOneFeedPerUrl();
    await expectReportsAgree(reports);
    const poll = createPollQueue(server.client(), PREFIX);
    await Promise.all(reports.map((report) => syncFeedSchedule(poll, report.catalogue)));
    expect([...(await poll.scheduledFeeds())].sort()).toEqual([...ids].sort());
  });

  // Each step of a sync at which the other one may run from start to end (FeedStore's list() calls ids() and records() first).
  const steps = [
    { method: 'list', call: 1, when: 'before this one reads the catalogue' },
    { method: 'records', call: 2, when: 'between this one\'s lookup of the first batch of URLs and its storing of their new feeds' },
    { method: 'records', call: 3, when: 'between this one\'s lookup of the second batch of URLs and its storing of their new feeds' },
    { method: 'ids', call: 2, when: 'before this one reads the feed index after the adding' },
    { method: 'remove', call: 1, when: 'before this one removes OLD' },
    { method: 'states', call: 1, when: 'before this one reads the poll states' },
  ] as const;
  for (const { method, call, when } of steps) {
    it(`lose and duplicate nothing when the other start syncs and schedules ${when}`, async () => {
      await lastStartLeft();
      const poll = createPollQueue(server.client(), PREFIX);
      let other: FeedSyncReport | undefined;
      const interrupted = new FeedStore(server.client(), keys);
      const original = interrupted[method].bind(interrupted) as (...args: unknown[]) => Promise<unknown>;
      let calls = 0;
      Object.assign(interrupted, {
        [method]: async (...args: unknown[]) => {
          calls += 1;
          if (calls === call) {
            other = await syncConfigFeeds(config(), new FeedStore(server.client(), keys));
            await syncFeedSchedule(poll, other.catalogue);
          }
          return original(...args);
        },
      });
      const report = await syncConfigFeeds(config(), interrupted);
      await syncFeedSchedule(poll, report.catalogue);
      expect(other, 'the other start ran').toBeDefined();
      const ids = await expectOneFeedPerUrl();
      await expectReportsAgree([report, other!]);
      expect([...(await poll.scheduledFeeds())].sort()).toEqual([...ids].sort());
    });
  }

  it('leave one console subscription with one briefing scheduler, and every feed in the poll schedule, when both start at once', async () => {
    await lastStartLeft();
    const starts = await Promise.all([0, 1].map(() => startWorkers({ config: config(), connection: server.url, senders: { console: new ConsoleSender(new Writable({ write: (_chunk, _encoding, done) => done() })) }, logger: createLogger({ destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }), roles: { worker: false, scheduler: true } })));
    try {
      const ids = await expectOneFeedPerUrl();
      expect([...(await starts[0]!.queues.poll.scheduledFeeds())].sort()).toEqual([...ids].sort());
      expect(await server.client().smembers(keys.subscriptionIndex())).toHaveLength(1);
      expect(await starts[0]!.queues.compose.getJobSchedulers()).toHaveLength(1);
    } finally {
      await Promise.all(starts.map((start) => start.close()));
    }
  });
});
