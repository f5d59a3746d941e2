/**
 * Herald on one Redis and on a Redis Cluster (3 masters + 3 replicas), side by side in one run:
 * - memory: 100,000 items through the item store and the near-duplicate index, as INFO
 *   used_memory deltas (less replication's fixed buffers) summed over the masters, and each master's share;
 * - with 1 and then 2 worker processes (the built dist/, plain node, the roles `herald start
 *   --role worker` runs, Telegram to the emulator unpaced), each on a fresh prefix:
 *   - a poll cycle of 10,000 feeds new to Herald on 500 host names (the feed server answers for
 *     all of them), driven only through the feed store and the scheduler role, the story engine
 *     placing the new items;
 *   - a fan-out of a 3-part briefing to 10,000 Telegram chats, queued as compose queues it, with
 *     the parts each chat got twice or never counted by the emulator;
 * and Redis commands per poll and per delivered part (INFO total_commands_processed deltas).
 * HERALD_BENCH_SCALE shrinks the poll cycle and the fan-out (not the memory run) for a quick check.
 */
import { resolve } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import type { HeraldConfig } from '../src/config/schema.js';
import { fingerprintItem } from '../src/dedup/fingerprint.js';
import { createLogger } from '../src/log.js';
import { ConsoleSender } from '../src/platforms/console/sender.js';
import { createRedisConnection, type RedisEndpoint } from '../src/queue/connection.js';
import { createDeliverQueue, fanOut } from '../src/queue/deliver-jobs.js';
import { inBatches } from '../src/queue/in-batches.js';
import { startWorkers, type RunningWorkers } from '../src/runtime/workers.js';
import { BriefingStore } from '../src/store/briefings.js';
import type { RedisClient } from '../src/store/client.js';
import { FeedStore } from '../src/store/feeds.js';
import { ItemStore } from '../src/store/items.js';
import { createKeys } from '../src/store/keys.js';
import { RedisNearDuplicateIndex } from '../src/store/near-duplicate-index.js';
import { SubscriptionStore } from '../src/store/subscriptions.js';
import type { Subscription } from '../src/subscriptions/model.js';
import { startFeedServer, type FeedServer } from '../test/emulators/feed-server.js';
import { startTelegramEmulator, type TelegramEmulator } from '../test/emulators/telegram-bot-api.js';
import { buildDistOnce } from '../test/support/build-dist.js';
import { RIG_TOKEN, saveTestBriefing } from '../test/support/delivery-rig.js';
import { startRedisCluster } from '../test/support/redis-cluster.js';
import { startRedis } from '../test/support/redis.js';
import { scrapeCounterSum, startScaleOutWorker, stopScaleOutWorker, type ScaleOutProcess } from '../test/support/scale-out-process.js';
import { telegramChat } from '../test/support/subscription-fixtures.js';
import { heraldId, syntheticItems } from './dedup.bench.js';
import { machineLoad, timeIt, type Benchmark, type BenchResult } from './harness.js';
import { commandsProcessed, infoField, sum } from './redis-stats.js';

/** HERALD_BENCH_SCALE=0.1 runs the poll cycle and the fan-out at a tenth of their size. */
const SCALE = Number(process.env.HERALD_BENCH_SCALE ?? 1);
/** Memory is measured at the issue's 100,000 items whatever the scale. */
const ITEMS = 100_000;
const FEEDS = Math.round(10_000 * SCALE);
const HOSTS = Math.max(1, Math.round(500 * SCALE));
const CHATS = Math.round(10_000 * SCALE);
const PARTS = 3;
const LATENCY_MS = 50;
/** startWorkers' default, what `herald start` runs. */
const DELIVER_CONCURRENCY = 50;
/** A poll cycle or a fan-out not done in this long is reported as a failure, not waited for. */
const TIMEOUT_MS = 15 * 60_000;

interface Backend {
  name: 'single' | 'cluster';
  endpoint: RedisEndpoint;
  /** What a worker process needs in its environment to reach it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Each master's memory less what replication holds whatever the data: its backlog (filled to
 * repl-backlog-size, 1 MB, by the first writes) and its replicas' output buffers. Left in, that
 * fixed 1 MB a master reads as ~30 B per item of a 100,000-item run.
 */
async function dataMemory(redis: RedisClient): Promise<number[]> {
  const [used, backlog, replicaBuffers] = await Promise.all(['used_memory', 'mem_replication_backlog', 'mem_clients_slaves'].map((field) => infoField(redis, 'memory', field)));
  return used!.map((bytes, i) => bytes - backlog![i]! - replicaBuffers![i]!);
}

async function measureMemory(redis: RedisClient, name: string, log: (line: string) => void): Promise<BenchResult[]> {
  // A cluster client knows its masters once it is ready.
  while (redis.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 50));
  // Ids as Herald makes them, so entries are stored as in production.
  const items = syntheticItems(ITEMS, 7).map((item) => ({ ...item, id: heraldId(item.id) }));
  const start = await dataMemory(redis);
  const index = new RedisNearDuplicateIndex(redis, `mem-${name}`);
  for (let from = 0; from < ITEMS; from += 500) {
    await index.matchAndAdd(items.slice(from, from + 500).map((item) => ({ id: item.id, fingerprint: fingerprintItem(item), at: Date.parse(item.publishedAt), feedId: item.feedId })));
  }
  const afterIndex = await dataMemory(redis);
  const store = new ItemStore(redis, createKeys(`mem-${name}`), { retentionDays: 7 });
  const now = new Date(Date.parse(items.at(-1)!.publishedAt));
  for (let from = 0; from < ITEMS; from += 50) await store.addNew(items.slice(from, from + 50), now);
  const afterItems = await dataMemory(redis);
  const textBytes = sum(items.map((item) => Buffer.byteLength(item.title) + Buffer.byteLength(item.text)));
  const indexBytes = (sum(afterIndex) - sum(start)) / ITEMS;
  const itemBytes = (sum(afterItems) - sum(afterIndex) - textBytes) / ITEMS;
  const perMaster = afterItems.map((used, i) => used - start[i]!);
  const largestShare = Math.max(...perMaster) / sum(perMaster);
  log(`${name}: near-duplicate index ${indexBytes.toFixed(0)} B/item; items ${itemBytes.toFixed(0)} B/item beyond their text; per master +${perMaster.map((bytes) => `${(bytes / 1e6).toFixed(1)} MB`).join(', ')} (largest ${(largestShare * 100).toFixed(0)}%)`);
  const note = `${ITEMS.toLocaleString('en-US')} items, INFO used_memory delta summed over the masters, less replication backlog and replica buffers`;
  return [
    { name: `${name}: near-duplicate index memory per item`, value: Math.round(indexBytes), unit: 'B', note },
    { name: `${name}: item memory per item beyond its text`, value: Math.round(itemBytes), unit: 'B', note: `${note}; item JSON, seen markers, index entry, less title and text` },
    { name: `${name}: largest master's share of Herald's memory`, value: Number(largestShare.toFixed(3)), unit: 'ratio', note: `after the ${ITEMS.toLocaleString('en-US')}-item run, ${perMaster.length} master(s)` },
    ...perMaster.map((bytes, i) => ({ name: `${name}: Herald's memory on master ${i + 1}`, value: Number((bytes / 1e6).toFixed(1)), unit: 'MB', note: `${note}, this master's own delta` })),
  ];
}

/**
 * The feed bodies: every feed new to the run, with two news-like items of its own (one in ten an
 * edited reprint of another feed's, as dedup.bench's synthetic items go), so every poll stores
 * items and places them in the story engine. (Items from one template, as this bench once used,
 * are near-duplicates of each other: thousands of candidates per item, a different bench.)
 */
function feedBodies(): string[] {
  const items = syntheticItems(FEEDS * 2, 11);
  return Array.from({ length: FEEDS }, (_, feed) => {
    const entries = [items[2 * feed]!, items[2 * feed + 1]!].map((item, k) => {
      const link = `https://feed${feed}.bench.example/i${k}`;
      return `<item><guid>${link}</guid><link>${link}</link><title>${item.title}</title><description>${item.text}</description><pubDate>${new Date(Date.now() - k * 60_000).toUTCString()}</pubDate></item>`;
    });
    return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench feed ${feed}</title>${entries.reverse().join('')}</channel></rss>`;
  });
}

/** The feed server answers on 127.0.0.1 for every host name the bench resolves there. */
function feedServerPort(feedServer: FeedServer): string {
  return feedServer.host.split(':')[1]!;
}

/** Every address of 127.0.0.0/8 reaches the feed server (it listens on all of them): HOSTS hosts, each with its own per-host limit. */
function feedHosts(feedServer: FeedServer): string[] {
  return Array.from({ length: HOSTS }, (_, n) => `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}:${feedServerPort(feedServer)}`);
}

/** One configuration measured: a backend, a number of worker processes, and a prefix of its own so each run starts empty. */
interface Run {
  backend: Backend;
  workerCount: number;
  prefix: string;
  /** The bench's own connection: store set-up, the fan-out, INFO. */
  main: RedisClient;
  processes: ScaleOutProcess[];
}

/** CPU time the worker processes have used so far, in ms (their process_cpu_seconds_total). */
async function workerCpuMs(run: Run): Promise<number> {
  return sum([...(await scrapeCounterSum(run.processes, 'process_cpu_seconds_total')).values()]) * 1000;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`cluster bench: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A poll cycle driven as an operator drives one: FEEDS feeds in the feed store (as `herald feeds
 * import` puts them there), then the scheduler role starts (as `herald start --role scheduler`
 * does) and the worker processes poll every feed never polled before. Timed until the workers
 * have finished a poll of every feed (their herald_feed_polls_total) and the feed server has
 * served every feed.
 */
async function pollCycle(run: Run, feedServer: FeedServer, config: HeraldConfig, log: (line: string) => void): Promise<BenchResult[]> {
  const { backend, workerCount, main } = run;
  const hosts = feedHosts(feedServer);
  const feeds = new FeedStore(main, createKeys(run.prefix));
  await inBatches(
    Array.from({ length: FEEDS }, (_, n) => n),
    500,
    (n) => feeds.add({ url: `http://${hosts[n % HOSTS]}/f/${n}.xml`, intervalMinutes: 1440 }),
  );
  const servedFrom = feedServer.requests.length;
  const cpuBefore = await workerCpuMs(run);
  const before = await commandsProcessed(main);
  const scheduler = createRedisConnection(backend.endpoint, { name: 'bench-scheduler' });
  let running: RunningWorkers | undefined;
  try {
    const { ms } = await timeIt(async () => {
      running = await startWorkers({ config, connection: scheduler, senders: { console: new ConsoleSender(process.stderr) }, logger: createLogger({ destination: process.stderr, level: 'warn' }), roles: { worker: false, scheduler: true } });
      const polled = async () => sum([...(await scrapeCounterSum(run.processes, 'herald_feed_polls_total')).values()]);
      await until(async () => (await polled()) >= FEEDS, `${FEEDS} polls`);
    });
    const commands = (await commandsProcessed(main)) - before;
    const cpuPerPoll = ((await workerCpuMs(run)) - cpuBefore) / FEEDS;
    const fetches = feedServer.requests.slice(servedFrom).filter((request) => request.path.startsWith('/f/'));
    const served = new Set(fetches.map((request) => request.path)).size;
    if (served < FEEDS) throw new Error(`cluster bench: the feed server served ${served} of ${FEEDS} feeds`);
    const statuses = [...(await scrapeCounterSum(run.processes, 'herald_feed_polls_total'))].map(([labels, count]) => `${count} ${labels.replace(/^status="(.*)"$/, '$1')}`);
    const load = machineLoad();
    log(`${backend.name}, ${workerCount} worker process(es): poll cycle ${(ms / 1000).toFixed(1)} s for ${FEEDS} feeds (${statuses.join(', ')}; ${fetches.length} fetches), ${(commands / FEEDS).toFixed(1)} Redis commands and ${cpuPerPoll.toFixed(1)} ms of worker CPU per poll; ${load}`);
    const note = `${FEEDS.toLocaleString('en-US')} feeds new to Herald on ${HOSTS} hosts, 2 news-like items each, ${LATENCY_MS} ms latency, ${workerCount} worker process(es) as \`herald start --role worker\` runs them (polls in flight and per-host limit at their defaults); from the scheduler role's start to every feed polled; ${load}`;
    return [
      { name: `${backend.name}: poll cycle, ${workerCount} worker process(es)`, value: Math.round(ms), unit: 'ms', note },
      { name: `${backend.name}: Redis commands per poll, ${workerCount} worker process(es)`, value: Number((commands / FEEDS).toFixed(1)), unit: 'commands', note: `${note}; every master, the scheduling, BullMQ and the calls inside Lua scripts included (total_commands_processed)` },
      { name: `${backend.name}: worker CPU per poll, ${workerCount} worker process(es)`, value: Number(cpuPerPoll.toFixed(1)), unit: 'ms', note: `${note}; the worker processes' process_cpu_seconds_total, so less bound to the machine's load than the cycle time` },
      { name: `${backend.name}: feed fetches beyond one per feed, ${workerCount} worker process(es)`, value: fetches.length - FEEDS, unit: 'fetches', note: `${note}; a feed polled a second time within the cycle (its second poll a 304)` },
    ];
  } finally {
    await running?.close();
    scheduler.disconnect();
  }
}

/** How many parts each chat got beyond one of each (duplicates) and how many it never got (losses). */
function deliveryCounts(emulator: TelegramEmulator, subscriptions: Subscription[], briefingId: string): { duplicates: number; losses: number } {
  let duplicates = 0;
  let losses = 0;
  for (const subscription of subscriptions) {
    const texts = emulator.messages(Number(subscription.destination.chatId)).map((message) => message.plainText);
    for (let part = 1; part <= PARTS; part += 1) {
      const copies = texts.filter((text) => text === `Part ${part}/${PARTS} of ${briefingId}`).length;
      if (copies === 0) losses += 1;
      else duplicates += copies - 1;
    }
  }
  return { duplicates, losses };
}

/** A briefing of PARTS parts to CHATS Telegram chats, queued as compose queues it (fanOut) and delivered by the worker processes. */
async function fanOutRun(run: Run, emulator: TelegramEmulator, firstChat: number, log: (line: string) => void): Promise<BenchResult[]> {
  const { backend, workerCount, main } = run;
  const keys = createKeys(run.prefix);
  const briefingId = `clusterbench-${backend.name}-${workerCount}`;
  const subscriptions = Array.from({ length: CHATS }, (_, i) => telegramChat(firstChat + i));
  for (const subscription of subscriptions) emulator.addChat({ id: Number(subscription.destination.chatId), type: 'private' });
  const store = new SubscriptionStore(main, keys);
  await inBatches(subscriptions, 500, (subscription) => store.upsert(subscription));
  await saveTestBriefing(new BriefingStore(main, keys), briefingId, PARTS);
  const queue = createDeliverQueue(main, run.prefix);
  try {
    const sentBefore = emulator.stats.sent;
    const cpuBefore = await workerCpuMs(run);
    const before = await commandsProcessed(main);
    const { ms } = await timeIt(async () => {
      await fanOut(queue, briefingId, subscriptions);
      // A delivery that failed for good (the machine too loaded for the emulator's answers) ends too; it is counted below.
      const finished = async () => sum(Object.values(await queue.getJobCounts('completed', 'failed')).map((count) => count ?? 0));
      await until(async () => (await finished()) >= CHATS, `${CHATS} deliveries`);
    });
    const commands = (await commandsProcessed(main)) - before;
    const sent = emulator.stats.sent - sentBefore;
    const cpuPerPart = ((await workerCpuMs(run)) - cpuBefore) / sent;
    const { failed } = await queue.getJobCounts('failed');
    const { duplicates, losses } = deliveryCounts(emulator, subscriptions, briefingId);
    const load = machineLoad();
    log(`${backend.name}, ${workerCount} worker process(es): ${sent} parts in ${(ms / 1000).toFixed(1)} s (${((sent / ms) * 1000).toFixed(0)}/s), ${(commands / sent).toFixed(1)} Redis commands and ${cpuPerPart.toFixed(2)} ms of worker CPU per delivered part; ${failed ?? 0} deliveries failed, ${duplicates} parts sent twice, ${losses} never sent; ${load}`);
    const note = `${PARTS} parts × ${CHATS.toLocaleString('en-US')} chats, ${workerCount} worker process(es) × ${DELIVER_CONCURRENCY} deliveries in flight (Herald's default), emulator without limits, sender unpaced; ${load}`;
    return [
      { name: `${backend.name}: fan-out rate, ${workerCount} worker process(es)`, value: Math.round((sent / ms) * 1000), unit: 'parts/s', note },
      { name: `${backend.name}: Redis commands per delivered part, ${workerCount} worker process(es)`, value: Number((commands / sent).toFixed(1)), unit: 'commands', note: `${note}; every master, BullMQ, the rate limiter and the calls inside Lua scripts included` },
      { name: `${backend.name}: worker CPU per delivered part, ${workerCount} worker process(es)`, value: Number(cpuPerPart.toFixed(2)), unit: 'ms', note: `${note}; the worker processes' process_cpu_seconds_total` },
      { name: `${backend.name}: fan-out parts sent twice, ${workerCount} worker process(es)`, value: duplicates, unit: 'parts', note: `${note}; counted per chat by the emulator` },
      { name: `${backend.name}: fan-out parts never sent, ${workerCount} worker process(es)`, value: losses, unit: 'parts', note: `${note}; counted per chat by the emulator, ${failed ?? 0} deliveries failed` },
    ];
  } finally {
    await queue.close();
  }
}

/** Starts `workerCount` worker processes on a fresh prefix, runs the poll cycle and the fan-out through them, stops them. */
async function measureRun(backend: Backend, workerCount: number, feedServer: FeedServer, emulator: TelegramEmulator, firstChat: number, log: (line: string) => void): Promise<BenchResult[]> {
  const prefix = `bench-${backend.name}-${workerCount}`;
  const main = createRedisConnection(backend.endpoint, { name: 'bench' });
  const env = { ...backend.env, HERALD_PREFIX: prefix, TELEGRAM_API_ROOT: emulator.apiRoot, HERALD_FEED_HOST: feedHosts(feedServer).join(','), HERALD_ROLES: 'worker', HERALD_DELIVER_CONCURRENCY: String(DELIVER_CONCURRENCY) };
  const run: Run = { backend, workerCount, prefix, main, processes: [] };
  try {
    run.processes = await Promise.all(Array.from({ length: workerCount }, (_, n) => startScaleOutWorker(`${backend.name}-${n + 1}`, env)));
    const config = parseConfig({ redis: { prefix }, telegram: { token: RIG_TOKEN, apiRoot: emulator.apiRoot } });
    return [...(await pollCycle(run, feedServer, config, log)), ...(await fanOutRun(run, emulator, firstChat, log))];
  } finally {
    await Promise.all(run.processes.map((process) => stopScaleOutWorker(process)));
    main.disconnect();
  }
}

async function startBackend(name: Backend['name']): Promise<Backend> {
  if (name === 'single') {
    const server = await startRedis();
    return { name, endpoint: { kind: 'single', url: server.url }, env: { HERALD_REDIS_URL: server.url }, stop: () => server.stop() };
  }
  const cluster = await startRedisCluster();
  const nodes = cluster.endpoint.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  return { name, endpoint: cluster.endpoint, env: { REDIS_CLUSTER_NODES: nodes }, stop: () => cluster.stop() };
}

const bench: Benchmark = {
  title: 'One Redis vs a Redis Cluster (3 masters + 3 replicas): memory, poll cycle and fan-out through 1 and 2 worker processes',
  async run(log) {
    const { ms, result: results } = await timeIt(async () => {
      // The worker processes run the built code: compile it from the current sources first, as the tests do.
      await buildDistOnce(resolve(import.meta.dirname, '..'));
      const measured: BenchResult[] = [];
      const feedServer = await startFeedServer({ latencyMs: LATENCY_MS, listenHost: '0.0.0.0' });
      feedBodies().forEach((body, n) => feedServer.setFeed(`/f/${n}.xml`, body));
      const emulator = await startTelegramEmulator({ token: RIG_TOKEN, limits: { globalPerSecond: 1_000_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000 } });
      let firstChat = 2_000_000;
      try {
        for (const name of ['single', 'cluster'] as const) {
          const backend = await startBackend(name);
          try {
            const redis = createRedisConnection(backend.endpoint);
            try {
              measured.push(...(await measureMemory(redis, name, log)));
            } finally {
              redis.disconnect();
            }
            for (const workerCount of [1, 2]) {
              measured.push(...(await measureRun(backend, workerCount, feedServer, emulator, firstChat, log)));
              firstChat += CHATS;
            }
          } finally {
            await backend.stop();
          }
        }
      } finally {
        await Promise.all([feedServer.close(), emulator.close()]);
      }
      return measured;
    });
    log(`whole cluster bench: ${(ms / 1000).toFixed(0)} s; ${machineLoad()}`);
    return [...results, { name: 'cluster bench duration', value: Math.round(ms / 1000), unit: 's', note: `memory, poll cycles and fan-outs on both backends, scale ${SCALE}; ${machineLoad()}` }];
  },
};

export default bench;
