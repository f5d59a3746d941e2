/**
 * Resident memory of one Herald process (worker + scheduler roles) holding 10,000 feeds and
 * 10,000 subscriptions: schedulers synced, workers running, polls under way against a local
 * feed server. Baseline: the same process with no feed and no subscription, measured in the
 * same run. Each figure comes from a child process reporting process.memoryUsage().rss.
 *
 * Run as a child (HERALD_MEMORY_CHILD=1) it starts the workers, lets them work for a while and
 * prints its memory as JSON.
 */
import { spawn } from 'node:child_process';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { ConsoleSender } from '../src/platforms/console/sender.js';
import { createRedisConnection } from '../src/queue/connection.js';
import { startWorkers } from '../src/runtime/workers.js';
import { createKeys } from '../src/store/keys.js';
import { SubscriptionStore } from '../src/store/subscriptions.js';
import { startFeedServer } from '../test/emulators/feed-server.js';
import { newsFeedXml } from '../test/support/news-feed.js';
import { startRedis } from '../test/support/redis.js';
import { telegramChat } from '../test/support/subscription-fixtures.js';
import { withRatio, type Benchmark } from './harness.js';

const FEEDS = 10_000;
const SUBSCRIPTIONS = 10_000;
const SETTLE_MS = 20_000;

interface ChildReport {
  rssBytes: number;
  heapUsedBytes: number;
  startupMs: number;
}

/** The child: Herald's workers with `feedCount` feeds of the feed server, reporting its memory after SETTLE_MS. */
async function runChild(): Promise<void> {
  const feedCount = Number(process.env.HERALD_FEEDS);
  const origin = process.env.HERALD_FEED_ORIGIN!;
  const config = parseConfig({
    redis: { prefix: 'bench-memory' },
    feeds: Array.from({ length: feedCount }, (_, i) => ({ url: `${origin}/feed/${i}.xml` })),
    fetch: { allowHosts: [new URL(origin).host] },
  });
  const redis = createRedisConnection(process.env.HERALD_REDIS_URL!);
  const started = Date.now();
  const workers = await startWorkers({ config, connection: redis, senders: { console: new ConsoleSender(process.stderr) }, logger: createLogger({ level: 'silent' }), roles: { worker: true, scheduler: true } });
  const startupMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const memory = process.memoryUsage();
  const report: ChildReport = { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, startupMs };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await workers.close();
  redis.disconnect();
}

async function measure(env: Record<string, string>): Promise<ChildReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename], { env: { ...process.env, ...env, HERALD_MEMORY_CHILD: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`memory child exited with ${code}: ${output}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as ChildReport;
}

const bench: Benchmark = {
  title: `Memory: one worker with ${FEEDS.toLocaleString('en-US')} feeds and ${SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
  async run(log) {
    const server = await startRedis();
    const feeds = await startFeedServer();
    const body = newsFeedXml('memory', 5);
    for (let i = 0; i < FEEDS; i++) feeds.setRoute(`/feed/${i}.xml`, (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body));
    const redis = createRedisConnection(server.url);
    try {
      const env = { HERALD_REDIS_URL: server.url, HERALD_FEED_ORIGIN: feeds.origin };
      const baseline = await measure({ ...env, HERALD_FEEDS: '0' });
      await redis.flushall();
      const subscriptions = new SubscriptionStore(redis, createKeys('bench-memory'));
      for (let i = 0; i < SUBSCRIPTIONS; i += 500) {
        await Promise.all(Array.from({ length: 500 }, (_, j) => subscriptions.upsert(telegramChat(i + j, { feedIds: [`f${(i + j) % FEEDS}`] }))));
      }
      const loaded = await measure({ ...env, HERALD_FEEDS: String(FEEDS) });
      const polls = feeds.requests.length;
      const mb = (bytes: number) => bytes / 1024 / 1024;
      log(`baseline (no feeds, no subscriptions): RSS ${mb(baseline.rssBytes).toFixed(0)} MB`);
      log(`${FEEDS} feeds + ${SUBSCRIPTIONS} subscriptions: RSS ${mb(loaded.rssBytes).toFixed(0)} MB, heap ${mb(loaded.heapUsedBytes).toFixed(0)} MB, startup ${(loaded.startupMs / 1000).toFixed(1)} s, ${polls} polls in ${SETTLE_MS / 1000} s`);
      const note = `worker + scheduler roles, ${SETTLE_MS / 1000} s after startup (${polls} polls served meanwhile); baseline = same process with no feed or subscription`;
      return [
        withRatio({ name: 'worker RSS, 10,000 feeds + 10,000 subscriptions', value: mb(loaded.rssBytes), unit: 'MB', baseline: mb(baseline.rssBytes), note }),
        { name: 'worker startup, 10,000 feeds + 10,000 subscriptions', value: loaded.startupMs / 1000, unit: 's', note: 'config feeds stored and scheduled, subscription schedulers synced' },
      ];
    } finally {
      redis.disconnect();
      await feeds.close();
      await server.stop();
    }
  },
};

if (process.env.HERALD_MEMORY_CHILD === '1') await runChild();

export default bench;
