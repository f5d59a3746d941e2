/**
 * Poll cycle: 2,000 feeds on the local feed server (50 ms latency), one in-process poll worker,
 * a private redis-server. A cycle makes every feed due now in the poll schedule and lets the
 * worker claim, poll and record them. A first cycle fetches everything (and stores the
 * validators). Then the Redis cost of one poll is measured in a cycle where nothing changed
 * (all 304) and in one where every feed has new items; then 20% of the feeds change and a timed
 * cycle finds 80% answering 304. Then the feeds' interval drops to one minute and the worker
 * polls them by their schedule (each at its phase of the minute) for one interval: the Redis
 * cost of scheduled polls, idle claims included. Last, a 304 cycle with the per-host limit
 * shared through Redis, as `herald start` sets it up.
 *
 * Redis commands are counted two ways: as Redis counts them (INFO, so every command a Lua
 * script runs inside Redis counts too) and as clients send them (MONITOR, script calls counted
 * once: the round trips and what a Redis Cluster routes).
 */
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load.js';
import { defaultFetchOptions, sharedHostLimiter } from '../src/feeds/fetch.js';
import { createRedisConnection } from '../src/queue/connection.js';
import { createPollQueue, type PollQueue } from '../src/queue/poll-jobs.js';
import { MIN_POLL_INTERVAL_MS, syncFeedSchedule } from '../src/queue/schedulers.js';
import { createPollFeedDeps, type PollResult } from '../jobs/poll-feed.js';
import { startPollWorker, type PollWorker } from '../jobs/poll-worker.js';
import { startFeedServer, type FeedServer } from '../test/emulators/feed-server.js';
import { startRedis } from '../test/support/redis.js';
import { timeIt, type Benchmark, type BenchResult } from './harness.js';
import { commandsProcessed } from './redis-stats.js';

const FEEDS = 2000;
const CHANGED_SHARE = 0.2;
const ITEMS_PER_FEED = 10;
const LATENCY_MS = 50;
/**
 * Polls in flight in the worker. Every bench feed lives on one host (the local server), so the
 * per-host cap is raised to match; with the default of 2 per host the cycle would only measure
 * that politeness limit (2,000 × 50 ms ÷ 2 = 50 s).
 */
const CONCURRENCY = 100;

function feedBody(feed: number, revision: number): string {
  const items = Array.from({ length: ITEMS_PER_FEED + revision }, (_, k) => {
    const id = `https://bench.example/f${feed}/i${k}`;
    return `<item><guid>${id}</guid><link>${id}</link><title>Feed ${feed} story ${k}</title><description>Story ${k} of feed ${feed}, told in a sentence or two. Another sentence follows.</description><pubDate>${new Date(Date.now() - k * 60_000).toUTCString()}</pubDate></item>`;
  }).reverse();
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench feed ${feed}</title><link>https://bench.example/f${feed}</link>${items.join('')}</channel></rss>`;
}

/** Calls per command since the last CONFIG RESETSTAT, most called first. */
async function commandCalls(redis: Redis): Promise<[string, number][]> {
  const calls = [...(await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)];
  return calls.map(([, name, count]): [string, number] => [name!, Number(count)]).sort((a, b) => b[1] - a[1]);
}

/** Commands clients send while `fn` runs (a script call counts once, not the commands it runs), by MONITOR. */
async function commandsSent<T>(redisUrl: string, fn: () => Promise<T>): Promise<{ sent: number; result: T }> {
  const monitor = await new Redis(redisUrl).monitor();
  let sent = 0;
  monitor.on('monitor', (_time: string, _args: string[], source: string) => {
    if (source !== 'lua') sent++;
  });
  try {
    return { result: await fn(), sent };
  } finally {
    monitor.disconnect();
  }
}

interface PollRecorder {
  results: PollResult[];
  /** Resolves once `count` polls were recorded; rejects if a poll fails. */
  until(count: number): Promise<void>;
  stop(): void;
}

/** Records the result of every poll the worker records from now on. */
function recordPolls(worker: PollWorker): PollRecorder {
  const results: PollResult[] = [];
  let waiter: { count: number; resolve: () => void; reject: (error: Error) => void } | undefined;
  const onPolled = (result: PollResult) => {
    results.push(result);
    if (waiter && results.length >= waiter.count) waiter.resolve();
  };
  const onFailed = (_feedId: string, error: Error) => waiter?.reject(error);
  worker.on('polled', onPolled);
  worker.on('failed', onFailed);
  return {
    results,
    until: (count) =>
      new Promise((resolve, reject) => {
        waiter = { count, resolve, reject };
        if (results.length >= count) resolve();
      }),
    stop: () => {
      worker.off('polled', onPolled);
      worker.off('failed', onFailed);
    },
  };
}

/** Makes every feed due now and resolves with the results of their polls. */
async function pollAllNow(queue: PollQueue, worker: PollWorker, feedIds: string[]): Promise<PollResult[]> {
  const recorder = recordPolls(worker);
  try {
    const now = Date.now();
    await queue.schedule(feedIds.map((feedId) => ({ feedId, dueAt: now })));
    await recorder.until(feedIds.length);
    return recorder.results;
  } finally {
    recorder.stop();
  }
}

function changeShareOfFeeds(feedServer: FeedServer, revision: number, share = CHANGED_SHARE): void {
  const step = Math.round(1 / share);
  for (let n = 0; n < FEEDS; n += step) feedServer.setFeed(`/feed/${n}.xml`, feedBody(n, revision));
}

function tally(results: PollResult[]): string {
  const counts = new Map<string, number>();
  for (const result of results) counts.set(result.status, (counts.get(result.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}

const bench: Benchmark = {
  title: `Poll cycle: ${FEEDS.toLocaleString('en-US')} feeds, ${LATENCY_MS} ms latency, ${CHANGED_SHARE * 100}% changed`,
  async run(log) {
    const redisServer = await startRedis();
    const feedServer: FeedServer = await startFeedServer({ latencyMs: LATENCY_MS });
    const connection = createRedisConnection(redisServer.url);
    const probe = redisServer.client();
    const config = parseConfig({ fetch: { allowHosts: [feedServer.host], perHostConcurrency: CONCURRENCY } });
    const deps = createPollFeedDeps(connection, config);
    const queue = createPollQueue(connection);
    let worker = startPollWorker(deps, { concurrency: CONCURRENCY });
    try {
      const feedIds: string[] = [];
      for (let n = 0; n < FEEDS; n++) {
        feedServer.setFeed(`/feed/${n}.xml`, feedBody(n, 0));
        // A day between scheduled polls: the measured cycles are the polls the bench asks for.
        feedIds.push((await deps.feeds.add({ url: feedServer.url(`/feed/${n}.xml`), intervalMinutes: 1440 })).feed.id);
      }

      const first = await timeIt(() => pollAllNow(queue, worker, feedIds));
      log(`first cycle (every feed new): ${(first.ms / 1000).toFixed(2)} s, ${tally(first.result)}`);

      /** Commands per poll of one cycle of every feed after `change`, counted by Redis and as sent. */
      const perPollOf = async (label: string, change: () => void) => {
        change();
        await probe.config('RESETSTAT');
        const { sent, result } = await commandsSent(redisServer.url, () => pollAllNow(queue, worker, feedIds));
        const counted = (await commandsProcessed(probe)) - 1;
        const byCommand = (await commandCalls(probe)).slice(0, 8).map(([name, count]) => `${name} ${(count / FEEDS).toFixed(2)}`);
        log(`${label}: ${tally(result)}; per poll ${(counted / FEEDS).toFixed(1)} commands counted by Redis, ${(sent / FEEDS).toFixed(1)} sent by clients (${byCommand.join(', ')})`);
        return { counted: Number((counted / FEEDS).toFixed(1)), sent: Number((sent / FEEDS).toFixed(1)) };
      };
      const unchanged = await perPollOf('nothing changed', () => undefined);
      const allNew = await perPollOf('every feed with new items', () => changeShareOfFeeds(feedServer, 1, 1));

      changeShareOfFeeds(feedServer, 2);
      await probe.config('RESETSTAT');
      const cycle = await timeIt(() => pollAllNow(queue, worker, feedIds));
      // Less the INFO that reads the figure.
      const commands = (await commandsProcessed(probe)) - 1;
      const perPoll = (await commandCalls(probe)).slice(0, 12).map(([name, count]) => `${name} ${(count / FEEDS).toFixed(2)}`);
      log(`measured cycle: ${(cycle.ms / 1000).toFixed(2)} s, ${tally(cycle.result)}`);
      log(`Redis commands: ${commands} in the cycle, ${(commands / FEEDS).toFixed(1)} per poll (INFO total_commands_processed delta)`);
      log(`per poll by command: ${perPoll.join(', ')}`);

      // The same mix polled by the schedule (1-minute interval, each feed at its phase of it),
      // measured over one interval: adds the idle claims between due feeds.
      changeShareOfFeeds(feedServer, 3);
      for (const id of feedIds) await deps.feeds.update(id, { intervalMinutes: 1 });
      await syncFeedSchedule(queue, await deps.feeds.listWithState());
      const recorder = recordPolls(worker);
      await probe.config('RESETSTAT');
      const scheduledSent = await commandsSent(redisServer.url, () => new Promise((resolve) => setTimeout(resolve, MIN_POLL_INTERVAL_MS)));
      const scheduledCommands = (await commandsProcessed(probe)) - 1;
      recorder.stop();
      const scheduledPolls = recorder.results.length;
      log(`scheduled minute: ${scheduledPolls} polls (${tally(recorder.results)}), ${(scheduledCommands / scheduledPolls).toFixed(1)} Redis commands per poll counted by Redis, ${(scheduledSent.sent / scheduledPolls).toFixed(1)} sent by clients`);
      // Back to a day: one more cycle moves every feed's next poll a day away.
      for (const id of feedIds) await deps.feeds.update(id, { intervalMinutes: 1440 });
      await pollAllNow(queue, worker, feedIds);

      // As `herald start` runs it: the per-host limit shared through Redis leases (a script and a ZREM per fetch).
      await worker.close();
      worker = startPollWorker({ ...deps, fetchOptions: { ...defaultFetchOptions(config.fetch), limiter: sharedHostLimiter(connection, config) } }, { concurrency: CONCURRENCY });
      const shared = await perPollOf('nothing changed, per-host limit shared through Redis', () => undefined);

      const note = `${FEEDS} feeds, 80% 304, ${LATENCY_MS} ms latency, 1 in-process worker, concurrency ${CONCURRENCY} (also per host)`;
      const results: BenchResult[] = [
        { name: 'poll cycle wall time', value: Math.round(cycle.ms), unit: 'ms', note },
        { name: 'poll cycle Redis commands per poll', value: Number((commands / FEEDS).toFixed(1)), unit: 'commands', note },
        {
          name: 'Redis commands per unchanged (304) poll',
          value: unchanged.counted,
          unit: 'commands',
          note: `scripts' inner commands counted (INFO), claims and batched writes included; ${unchanged.sent} sent by clients (MONITOR)`,
        },
        {
          name: 'Redis commands per poll with new items',
          value: allNew.counted,
          unit: 'commands',
          note: `1 new item of ${ITEMS_PER_FEED + 1}, story engine not wired; ${allNew.sent} sent by clients (MONITOR)`,
        },
        {
          name: 'scheduled polls Redis commands per poll',
          value: Number((scheduledCommands / scheduledPolls).toFixed(1)),
          unit: 'commands',
          note: `${scheduledPolls} polls by the schedule in one 1-min interval, idle claims included; ${(scheduledSent.sent / scheduledPolls).toFixed(1)} sent by clients`,
        },
        {
          name: 'Redis commands per unchanged (304) poll, per-host limit shared through Redis',
          value: shared.counted,
          unit: 'commands',
          note: `as herald start runs it (RedisHostLimiter: a lease script and a ZREM per fetch); ${shared.sent} sent by clients`,
        },
        { name: 'first poll cycle wall time (all new)', value: Math.round(first.ms), unit: 'ms', note: `${FEEDS} feeds × ${ITEMS_PER_FEED} new items` },
      ];
      return results;
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
      await feedServer.close();
      await redisServer.stop();
    }
  },
};

export default bench;
