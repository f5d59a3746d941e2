/**
 * Poll cycle: 2,000 feeds on the local feed server (50 ms latency), one in-process worker, a
 * private redis-server. A first cycle fetches everything (and stores the validators). Then the
 * Redis cost of one poll is measured in a cycle where nothing changed (all 304) and in one where
 * every feed has new items; then 20% of the feeds change and a timed cycle finds 80% answering
 * 304. Last, the job schedulers run that mix for one 1-minute interval, for the Redis cost of
 * scheduled polls.
 *
 * Redis commands are counted two ways: as Redis counts them (INFO, so every command a Lua
 * script runs inside Redis counts too: most of BullMQ's job lifecycle) and as clients send them
 * (MONITOR, script calls counted once: the round trips and what a Redis Cluster routes).
 */
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load.js';
import { createRedisConnection } from '../src/queue/connection.js';
import { createPollQueue, POLL_JOB_NAME, POLL_JOB_RETENTION, type PollQueue } from '../src/queue/poll-jobs.js';
import { MIN_POLL_INTERVAL_MS, upsertFeedScheduler } from '../src/queue/schedulers.js';
import { createPollFeedDeps, startPollWorker, type PollResult } from '../jobs/poll-feed.js';
import { startFeedServer, type FeedServer } from '../test/emulators/feed-server.js';
import { startRedis } from '../test/support/redis.js';
import { timeIt, type Benchmark, type BenchResult } from './harness.js';

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

async function commandsProcessed(redis: Redis): Promise<number> {
  const match = /total_commands_processed:(\d+)/.exec(await redis.info('stats'));
  return Number(match?.[1]);
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
  /** Resolves once `count` polls were recorded; rejects if a poll job fails. */
  until(count: number): Promise<void>;
  stop(): void;
}

/** Records the result of every poll the worker completes from now on. */
function recordPolls(worker: Worker): PollRecorder {
  const results: PollResult[] = [];
  let waiter: { count: number; resolve: () => void; reject: (error: Error) => void } | undefined;
  const onCompleted = (_job: unknown, result: PollResult) => {
    results.push(result);
    if (waiter && results.length >= waiter.count) waiter.resolve();
  };
  const onFailed = (_job: unknown, error: Error) => waiter?.reject(error);
  worker.on('completed', onCompleted);
  worker.on('failed', onFailed);
  return {
    results,
    until: (count) =>
      new Promise((resolve, reject) => {
        waiter = { count, resolve, reject };
        if (results.length >= count) resolve();
      }),
    stop: () => {
      worker.off('completed', onCompleted);
      worker.off('failed', onFailed);
    },
  };
}

/** Queues one poll per feed at once and resolves with their results. */
async function pollAllNow(queue: PollQueue, worker: Worker, feedIds: string[]): Promise<PollResult[]> {
  const recorder = recordPolls(worker);
  try {
    await queue.addBulk(feedIds.map((feedId) => ({ name: POLL_JOB_NAME, data: { feedId }, opts: POLL_JOB_RETENTION })));
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
    const worker = startPollWorker(deps, { connection, concurrency: CONCURRENCY });
    try {
      const feedIds: string[] = [];
      for (let n = 0; n < FEEDS; n++) {
        feedServer.setFeed(`/feed/${n}.xml`, feedBody(n, 0));
        feedIds.push((await deps.feeds.add({ url: feedServer.url(`/feed/${n}.xml`), intervalMinutes: 15 })).feed.id);
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

      // The same mix run by the job schedulers (1-minute interval, jitter spreading the feeds
      // over it), measured over one interval: adds the schedulers' own bookkeeping.
      changeShareOfFeeds(feedServer, 3);
      await Promise.all(feedIds.map((id) => upsertFeedScheduler(queue, { id, intervalMinutes: 1 })));
      const recorder = recordPolls(worker);
      await probe.config('RESETSTAT');
      await new Promise((resolve) => setTimeout(resolve, MIN_POLL_INTERVAL_MS));
      const scheduledCommands = (await commandsProcessed(probe)) - 1;
      recorder.stop();
      const scheduledPolls = recorder.results.length;
      log(`scheduled minute: ${scheduledPolls} polls (${tally(recorder.results)}), ${(scheduledCommands / scheduledPolls).toFixed(1)} Redis commands per poll`);

      const note = `${FEEDS} feeds, 80% 304, ${LATENCY_MS} ms latency, 1 in-process worker, concurrency ${CONCURRENCY} (also per host)`;
      const results: BenchResult[] = [
        { name: 'poll cycle wall time', value: Math.round(cycle.ms), unit: 'ms', note },
        { name: 'poll cycle Redis commands per poll', value: Number((commands / FEEDS).toFixed(1)), unit: 'commands', note },
        {
          name: 'Redis commands per unchanged (304) poll',
          value: unchanged.counted,
          unit: 'commands',
          note: `BullMQ's included, scripts' inner commands counted (INFO); ${unchanged.sent} sent by clients (MONITOR)`,
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
          note: `${scheduledPolls} polls by job schedulers in one 1-min interval, worker idle time included`,
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
