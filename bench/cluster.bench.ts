/**
 * Herald on one Redis and on a Redis Cluster (3 masters + 3 replicas), side by side in one run:
 * - memory: 100,000 items through the item store and the near-duplicate index, as INFO
 *   used_memory deltas summed over the masters, and the largest master's share;
 * - a poll cycle of 10,000 feeds on 500 host names (the feed server answers for all of them),
 *   20% changed, with 1 and 2 poll workers, the story engine placing the new items;
 * - a fan-out of a 3-part briefing to 10,000 Telegram chats with 1 and 2 delivery workers;
 * and Redis commands per poll and per delivered part (INFO total_commands_processed deltas).
 * The workers run in this process, each on its own connection as a worker process would.
 * HERALD_BENCH_SCALE shrinks the poll cycle and the fan-out (not the memory run) for a quick check.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { startDeliverWorker } from '../jobs/deliver.js';
import { createPollFeedDeps, type PollResult } from '../jobs/poll-feed.js';
import { startPollWorker, type PollWorker } from '../jobs/poll-worker.js';
import { parseConfig } from '../src/config/load.js';
import { fingerprintItem } from '../src/dedup/fingerprint.js';
import { defaultFetchOptions, sharedHostLimiter } from '../src/feeds/fetch.js';
import { ConsoleSender } from '../src/platforms/console/sender.js';
import { createComposeQueue } from '../src/queue/compose-jobs.js';
import { createRedisConnection, type RedisEndpoint } from '../src/queue/connection.js';
import { createDeliverQueue, fanOut } from '../src/queue/deliver-jobs.js';
import { createPollQueue } from '../src/queue/poll-jobs.js';
import { BriefingStore } from '../src/store/briefings.js';
import { isCluster, type RedisClient } from '../src/store/client.js';
import { DeliveryStore } from '../src/store/deliveries.js';
import { ItemStore } from '../src/store/items.js';
import { createKeys } from '../src/store/keys.js';
import { RedisNearDuplicateIndex } from '../src/store/near-duplicate-index.js';
import { RedisStoryEngine } from '../src/store/story-engine.js';
import { SubscriptionStore } from '../src/store/subscriptions.js';
import { startFeedServer, type FeedServer } from '../test/emulators/feed-server.js';
import { startTelegramEmulator } from '../test/emulators/telegram-bot-api.js';
import { RIG_TOKEN, rigSender, saveTestBriefing } from '../test/support/delivery-rig.js';
import { startRedisCluster } from '../test/support/redis-cluster.js';
import { startRedis } from '../test/support/redis.js';
import { telegramChat } from '../test/support/subscription-fixtures.js';
import { syntheticItems } from './dedup.bench.js';
import { timeIt, type Benchmark, type BenchResult } from './harness.js';

/** HERALD_BENCH_SCALE=0.1 runs the poll cycle and the fan-out at a tenth of their size. */
const SCALE = Number(process.env.HERALD_BENCH_SCALE ?? 1);
/** Memory is measured at the issue's 100,000 items whatever the scale. */
const ITEMS = 100_000;
const FEEDS = Math.round(10_000 * SCALE);
const HOSTS = Math.max(1, Math.round(500 * SCALE));
const CHATS = Math.round(10_000 * SCALE);
const PARTS = 3;
const LATENCY_MS = 50;
const POLL_CONCURRENCY = 100;

interface Backend {
  name: 'single' | 'cluster';
  endpoint: RedisEndpoint;
  stop(): Promise<void>;
}

/** The masters' own connections, for INFO. */
function masters(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

async function infoField(redis: RedisClient, section: string, field: string): Promise<number[]> {
  return Promise.all(masters(redis).map(async (node) => Number(new RegExp(`${field}:(\\d+)`).exec(await node.info(section))![1])));
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Herald's ids are 16 hex digits; the synthetic items get such ids so entries are stored as in production. */
function withHeraldIds<T extends { id: string }>(items: T[]): T[] {
  return items.map((item) => ({ ...item, id: createHash('sha256').update(item.id).digest('hex').slice(0, 16) }));
}

async function measureMemory(redis: RedisClient, name: string, log: (line: string) => void): Promise<BenchResult[]> {
  // A cluster client knows its masters once it is ready.
  while (redis.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 50));
  const items = withHeraldIds(syntheticItems(ITEMS, 7));
  const start = await infoField(redis, 'memory', 'used_memory');
  const index = new RedisNearDuplicateIndex(redis, `mem-${name}`);
  for (let from = 0; from < ITEMS; from += 500) {
    await index.matchAndAdd(items.slice(from, from + 500).map((item) => ({ id: item.id, fingerprint: fingerprintItem(item), at: Date.parse(item.publishedAt), feedId: item.feedId })));
  }
  const afterIndex = await infoField(redis, 'memory', 'used_memory');
  const store = new ItemStore(redis, createKeys(`mem-${name}`), { retentionDays: 7 });
  const now = new Date(Date.parse(items.at(-1)!.publishedAt));
  for (let from = 0; from < ITEMS; from += 50) await store.addNew(items.slice(from, from + 50), now);
  const afterItems = await infoField(redis, 'memory', 'used_memory');
  const textBytes = sum(items.map((item) => Buffer.byteLength(item.title) + Buffer.byteLength(item.text)));
  const indexBytes = (sum(afterIndex) - sum(start)) / ITEMS;
  const itemBytes = (sum(afterItems) - sum(afterIndex) - textBytes) / ITEMS;
  const perMaster = afterItems.map((used, i) => used - start[i]!);
  const largestShare = Math.max(...perMaster) / sum(perMaster);
  log(`${name}: near-duplicate index ${indexBytes.toFixed(0)} B/item; items ${itemBytes.toFixed(0)} B/item beyond their text; per master +${perMaster.map((bytes) => `${(bytes / 1e6).toFixed(1)} MB`).join(', ')} (largest ${(largestShare * 100).toFixed(0)}%)`);
  const note = `${ITEMS.toLocaleString('en-US')} items, INFO used_memory delta summed over the masters`;
  return [
    { name: `${name}: near-duplicate index memory per item`, value: Math.round(indexBytes), unit: 'B', note },
    { name: `${name}: item memory per item beyond its text`, value: Math.round(itemBytes), unit: 'B', note: `${note}; item JSON, seen markers, index entry, less title and text` },
    { name: `${name}: largest master's share of Herald's memory`, value: Number(largestShare.toFixed(3)), unit: 'ratio', note: `after the ${ITEMS.toLocaleString('en-US')}-item run, ${perMaster.length} master(s)` },
  ];
}

function feedBody(feed: number, revision: number): string {
  const items = Array.from({ length: 2 + revision }, (_, k) => {
    const id = `https://feed${feed}.bench.example/i${k}`;
    return `<item><guid>${id}</guid><link>${id}</link><title>Feed ${feed} story ${k}</title><description>Story ${k} of feed ${feed} about w${feed}x${k} and w${k}y${feed}, told in a sentence or two.</description><pubDate>${new Date(Date.now() - k * 60_000).toUTCString()}</pubDate></item>`;
  }).reverse();
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench feed ${feed}</title>${items.join('')}</channel></rss>`;
}

/** The feed server answers on 127.0.0.1 for every host name the bench resolves there. */
function feedServerPort(feedServer: FeedServer): string {
  return feedServer.host.split(':')[1]!;
}

async function pollCycle(backend: Backend, feedServer: FeedServer, log: (line: string) => void): Promise<BenchResult[]> {
  const prefix = `poll-${backend.name}`;
  // Every address of 127.0.0.0/8 reaches the feed server (it listens on all of them): 500 hosts, each with its own per-host limit.
  const hosts = Array.from({ length: HOSTS }, (_, n) => `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}:${feedServerPort(feedServer)}`);
  const config = parseConfig({ redis: { prefix }, fetch: { allowHosts: hosts } });
  const main = createRedisConnection(backend.endpoint, { name: 'bench-poll' });
  const queue = createPollQueue(main, prefix);
  const connections = [createRedisConnection(backend.endpoint), createRedisConnection(backend.endpoint)];
  const workers: PollWorker[] = [];
  const startWorker = (connection: RedisClient) => {
    const engine = new RedisStoryEngine(connection, prefix);
    // The per-host limit shared by the workers through Redis leases, as `herald start` sets it up.
    const fetchOptions = { ...defaultFetchOptions(config.fetch), limiter: sharedHostLimiter(connection, config) };
    const deps = createPollFeedDeps(connection, config, { fetchOptions, onNewItems: async (items) => void (await engine.addItems(items)) });
    workers.push(startPollWorker(deps, { concurrency: POLL_CONCURRENCY }));
  };
  const feeds = createPollFeedDeps(main, config).feeds;
  const feedIds: string[] = [];
  for (let n = 0; n < FEEDS; n += 1) {
    const path = `/f/${n}.xml`;
    feedServer.setFeed(path, feedBody(n, 0));
    feedIds.push((await feeds.add({ url: `http://${hosts[n % HOSTS]}${path}`, intervalMinutes: 1440 })).feed.id);
  }
  const cycle = async () => {
    const done = new Set<string>();
    const finished = new Promise<PollResult[]>((resolve) => {
      const results: PollResult[] = [];
      for (const worker of workers) {
        worker.removeAllListeners('polled');
        worker.on('polled', (result: PollResult) => {
          if (done.has(result.feedId)) return;
          done.add(result.feedId);
          results.push(result);
          if (results.length === FEEDS) resolve(results);
        });
      }
    });
    // Every feed due now: the poll workers claim them from the schedule.
    const now = Date.now();
    await queue.schedule(feedIds.map((feedId) => ({ feedId, dueAt: now })));
    return finished;
  };
  const results: BenchResult[] = [];
  try {
    startWorker(connections[0]!);
    const first = await timeIt(cycle);
    log(`${backend.name}: first cycle (every feed new, 2 items each): ${(first.ms / 1000).toFixed(1)} s`);
    for (const workerCount of [1, 2]) {
      if (workers.length < workerCount) startWorker(connections[1]!);
      for (let n = 0; n < FEEDS; n += 5) feedServer.setFeed(`/f/${n}.xml`, feedBody(n, workerCount));
      const before = sum(await infoField(main, 'stats', 'total_commands_processed'));
      const measured = await timeIt(cycle);
      const commands = sum(await infoField(main, 'stats', 'total_commands_processed')) - before;
      const statuses = new Map<string, number>();
      for (const result of measured.result) statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      log(`${backend.name}, ${workerCount} worker(s): ${(measured.ms / 1000).toFixed(1)} s for ${FEEDS} polls (${[...statuses].map(([status, count]) => `${count} ${status}`).join(', ')}), ${(commands / FEEDS).toFixed(1)} Redis commands per poll`);
      const note = `${FEEDS.toLocaleString('en-US')} feeds on ${HOSTS} hosts, 20% changed, ${LATENCY_MS} ms latency, ${workerCount} worker(s) × ${POLL_CONCURRENCY} polls in flight, 2 per host shared through Redis`;
      results.push(
        { name: `${backend.name}: poll cycle, ${workerCount} worker(s)`, value: Math.round(measured.ms), unit: 'ms', note },
        { name: `${backend.name}: Redis commands per poll, ${workerCount} worker(s)`, value: Number((commands / FEEDS).toFixed(1)), unit: 'commands', note: `${note}; every master, BullMQ and the calls inside Lua scripts included (total_commands_processed)` },
      );
    }
    return results;
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
    await queue.close();
    for (const connection of [main, ...connections]) connection.disconnect();
  }
}

async function fanOutRun(backend: Backend, log: (line: string) => void): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const emulator = await startTelegramEmulator({ token: RIG_TOKEN, limits: { globalPerSecond: 1_000_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000 } });
  try {
    for (const workerCount of [1, 2]) {
      const prefix = `fanout-${backend.name}-${workerCount}`;
      const keys = createKeys(prefix);
      const main = createRedisConnection(backend.endpoint);
      const connections = Array.from({ length: workerCount }, () => createRedisConnection(backend.endpoint));
      const queue = createDeliverQueue(main, prefix);
      const composeQueue = createComposeQueue(main, prefix);
      const subscriptions = Array.from({ length: CHATS }, (_, i) => telegramChat(2_000_000 + workerCount * CHATS + i));
      for (const subscription of subscriptions) emulator.addChat({ id: Number(subscription.destination.chatId), type: 'private' });
      await Promise.all(subscriptions.map((subscription) => new SubscriptionStore(main, keys).upsert(subscription)));
      await saveTestBriefing(new BriefingStore(main, keys), 'clusterbench', PARTS);
      const workers = connections.map((connection) =>
        startDeliverWorker(
          { subscriptions: new SubscriptionStore(connection, keys), briefings: new BriefingStore(connection, keys), deliveries: new DeliveryStore(connection, keys), composeQueue, senders: { telegram: rigSender(connection, emulator.apiRoot), console: new ConsoleSender() } },
          { connection, prefix, concurrency: 200 },
        ),
      );
      try {
        await Promise.all(workers.map((worker) => worker.waitUntilReady()));
        const sentBefore = emulator.stats.sent;
        const before = sum(await infoField(main, 'stats', 'total_commands_processed'));
        const { ms } = await timeIt(async () => {
          await fanOut(queue, 'clusterbench', subscriptions);
          // A delivery that failed for good (the machine too loaded for the emulator's answers) ends too; it is counted below.
          const finished = async () => Object.values(await queue.getJobCounts('completed', 'failed')).reduce((total, count) => total + (count ?? 0), 0);
          while ((await finished()) < CHATS) await new Promise((resolve) => setTimeout(resolve, 100));
        });
        const commands = sum(await infoField(main, 'stats', 'total_commands_processed')) - before;
        const sent = emulator.stats.sent - sentBefore;
        const { failed } = await queue.getJobCounts('failed');
        log(`${backend.name}, ${workerCount} worker(s): ${failed ?? 0} deliveries failed; ${sent} parts in ${(ms / 1000).toFixed(1)} s (${((sent / ms) * 1000).toFixed(0)}/s), ${(commands / sent).toFixed(1)} Redis commands per delivered part`);
        const note = `${PARTS} parts × ${CHATS.toLocaleString('en-US')} chats, ${workerCount} worker(s) × 200 in flight, emulator without limits`;
        results.push(
          { name: `${backend.name}: fan-out rate, ${workerCount} worker(s)`, value: Math.round((sent / ms) * 1000), unit: 'parts/s', note },
          { name: `${backend.name}: Redis commands per delivered part, ${workerCount} worker(s)`, value: Number((commands / sent).toFixed(1)), unit: 'commands', note: `${note}; every master, BullMQ, the rate limiter and the calls inside Lua scripts included` },
        );
      } finally {
        await Promise.all(workers.map((worker) => worker.close()));
        await Promise.all([queue.close(), composeQueue.close()]);
        for (const connection of [main, ...connections]) connection.disconnect();
      }
    }
    return results;
  } finally {
    await emulator.close();
  }
}

async function startBackend(name: Backend['name']): Promise<Backend> {
  if (name === 'single') {
    const server = await startRedis();
    return { name, endpoint: { kind: 'single', url: server.url }, stop: () => server.stop() };
  }
  const cluster = await startRedisCluster();
  return { name, endpoint: cluster.endpoint, stop: () => cluster.stop() };
}

const bench: Benchmark = {
  title: 'One Redis vs a Redis Cluster (3 masters + 3 replicas): memory, poll cycle, fan-out',
  async run(log) {
    const results: BenchResult[] = [];
    const feedServer = await startFeedServer({ latencyMs: LATENCY_MS, listenHost: '0.0.0.0' });
    try {
      for (const name of ['single', 'cluster'] as const) {
        const backend = await startBackend(name);
        try {
          const redis = createRedisConnection(backend.endpoint);
          try {
            results.push(...(await measureMemory(redis, name, log)));
          } finally {
            redis.disconnect();
          }
          results.push(...(await pollCycle(backend, feedServer, log)));
          results.push(...(await fanOutRun(backend, log)));
        } finally {
          await backend.stop();
        }
      }
    } finally {
      await feedServer.close();
    }
    return results;
  },
};

export default bench;
