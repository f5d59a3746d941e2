/**
 * Resident memory and start-up of Herald as it runs in production: `node dist/src/cli.js start
 * --role worker,scheduler` (the built JavaScript, not tsx) with 10,000 feeds in its config file
 * and 10,000 subscriptions in Redis: schedulers synced, workers running, polls under way against
 * a local feed server. Baseline: the same process with no feed and no subscription, measured in
 * the same run. Start-up is the time from spawning the process to its "Herald is running" line
 * (its first start: every feed and scheduler new to Redis), and to "schedulers in place" (the
 * subscription schedulers a first start writes in the background); then the same process is
 * started again on that Redis (a restart: everything already in place). Memory is the RSS (ps)
 * SETTLE_MS after "Herald is running", of the first start and of the restart; right after it, the
 * V8 heap as the process's /metrics reports it, to tell the JavaScript heap from the rest of the
 * RSS (node's own code, malloc). Builds dist/ first when a source is newer than it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createRedisConnection } from '../src/queue/connection.js';
import { createKeys } from '../src/store/keys.js';
import { SubscriptionStore } from '../src/store/subscriptions.js';
import { startFeedServer } from '../test/emulators/feed-server.js';
import { newsFeedXml } from '../test/support/news-feed.js';
import { startRedis } from '../test/support/redis.js';
import { metricSamples } from '../test/support/scale-out-process.js';
import { telegramChat } from '../test/support/subscription-fixtures.js';
import { withRatio, type Benchmark } from './harness.js';

const FEEDS = 10_000;
const SUBSCRIPTIONS = 10_000;
const SETTLE_MS = 20_000;
const PREFIX = 'bench-memory';
const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'src', 'cli.js');
const run = promisify(execFile);

interface Measured {
  rssBytes: number;
  startupMs: number;
  /** Until every scheduler is in place (after "Herald is running" when some were written in the background). */
  scheduledMs: number;
  /** CPU time the process used to start (user + system): the work itself, however busy the machine. */
  startupCpuMs?: number;
  /** The V8 heap just after the RSS was read (from /metrics), when the process served it. */
  heap?: HeapFigures;
}

interface HeapFigures {
  /** Heap the V8 has taken from the system (part of the RSS). */
  totalBytes: number;
  /** Of which objects: live ones and garbage not yet collected. */
  usedBytes: number;
  /** Memory held by JavaScript objects outside the heap (Buffers…). */
  externalBytes: number;
}

/** The heap figures of prom-client's default metrics, from the /metrics of the process at `origin`. */
async function heapOf(origin: string): Promise<HeapFigures | undefined> {
  const text = await fetch(new URL('/metrics', origin)).then((res) => res.text(), () => undefined);
  if (text === undefined) return undefined;
  const gauge = (name: string) => Number(metricSamples(text, name).get(''));
  const figures = { totalBytes: gauge('nodejs_heap_size_total_bytes'), usedBytes: gauge('nodejs_heap_size_used_bytes'), externalBytes: gauge('nodejs_external_memory_bytes') };
  return Object.values(figures).every(Number.isFinite) ? figures : undefined;
}

/** The newest modification time under `dir` (files ending in .ts or .js). */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|js)$/.test(entry.name)) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` unless dist/ is newer than every source it is built from. */
async function ensureBuilt(log: (line: string) => void): Promise<void> {
  const built = await stat(cli).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(await newestMtime(join(root, 'src')), await newestMtime(join(root, 'jobs')));
  if (built > sources) return;
  log('building dist/ (npm run build)');
  await run('npm', ['run', 'build'], { cwd: root });
}

/** User + system CPU time of a process so far, from /proc (Linux; undefined elsewhere). */
async function cpuMsOf(child: ChildProcess): Promise<number | undefined> {
  const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const { stdout } = await run('getconf', ['CLK_TCK']);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / Number(stdout.trim());
}

async function rssOf(child: ChildProcess): Promise<number> {
  const { stdout } = await run('ps', ['-o', 'rss=', '-p', String(child.pid)]);
  return Number(stdout.trim()) * 1024;
}

/** Starts Herald from dist/ with `feedCount` feeds of the feed server; measures it and stops it. */
async function measure(feedCount: number, env: { redisUrl: string; feedOrigin: string }): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-memory-'));
  try {
    const config = join(dir, 'herald.yaml');
    const feeds = Array.from({ length: feedCount }, (_, i) => ({ url: `${env.feedOrigin}/feed/${i}.xml` }));
    await writeFile(config, stringify({ redis: { prefix: PREFIX }, health: { port: 0 }, fetch: { allowHosts: [new URL(env.feedOrigin).host] }, feeds }));
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'start', '--role', 'worker,scheduler', '--config', config], {
      env: { PATH: process.env.PATH, REDIS_URL: env.redisUrl, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout! });
    const lineAfter = (text: string) =>
      new Promise<number>((resolve, reject) => {
        lines.on('line', (line) => {
          if (line.includes(text)) resolve(performance.now() - started);
        });
        void exited.then(([code]) => reject(new Error(`herald start exited with ${code} before it logged ${text}`)));
      });
    const [running, scheduled] = [lineAfter('"msg":"Herald is running'), lineAfter('"msg":"schedulers in place"')];
    let metricsOrigin: string | undefined;
    lines.on('line', (line) => (metricsOrigin ??= /"msg":"health and metrics on (http:\/\/[^ ]+)/.exec(line)?.[1]));
    const startupMs = await running;
    const startupCpuMs = await cpuMsOf(child);
    const scheduledMs = await scheduled;
    // SETTLE_MS after "Herald is running", however long the background writing took of it.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS - Math.min(SETTLE_MS, Math.max(0, scheduledMs - startupMs))));
    const rssBytes = await rssOf(child);
    const heap = metricsOrigin === undefined ? undefined : await heapOf(metricsOrigin);
    child.kill('SIGTERM');
    await exited;
    return { rssBytes, startupMs, scheduledMs, ...(startupCpuMs !== undefined && { startupCpuMs }), ...(heap && { heap }) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  title: `Memory and start-up: herald start (node dist/…) with ${FEEDS.toLocaleString('en-US')} feeds and ${SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
  async run(log) {
    await ensureBuilt(log);
    const server = await startRedis();
    const feedServer = await startFeedServer();
    const body = newsFeedXml('memory', 5);
    for (let i = 0; i < FEEDS; i++) feedServer.setRoute(`/feed/${i}.xml`, (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body));
    const redis = createRedisConnection(server.url);
    try {
      const env = { redisUrl: server.url, feedOrigin: feedServer.origin };
      const baseline = await measure(0, env);
      await redis.flushall();
      const subscriptions = new SubscriptionStore(redis, createKeys(PREFIX));
      for (let i = 0; i < SUBSCRIPTIONS; i += 500) {
        await Promise.all(Array.from({ length: 500 }, (_, j) => subscriptions.upsert(telegramChat(i + j, { feedIds: [`f${(i + j) % FEEDS}`] }))));
      }
      const polledBefore = feedServer.requests.length;
      const loaded = await measure(FEEDS, env);
      const polls = feedServer.requests.length - polledBefore;
      const restarted = await measure(FEEDS, env);
      const mb = (bytes: number) => bytes / 1024 / 1024;
      const cpu = (m: Measured) => (m.startupCpuMs === undefined ? '' : ` (${(m.startupCpuMs / 1000).toFixed(2)} s of CPU)`);
      const heap = (m: Measured) => (m.heap === undefined ? '' : ` (V8 heap ${mb(m.heap.totalBytes).toFixed(0)} MB, ${mb(m.heap.usedBytes).toFixed(0)} MB used; external ${mb(m.heap.externalBytes).toFixed(0)} MB)`);
      log(`baseline (no feeds, no subscriptions): RSS ${mb(baseline.rssBytes).toFixed(0)} MB${heap(baseline)}, start-up ${(baseline.startupMs / 1000).toFixed(2)} s${cpu(baseline)}`);
      const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      log(`${FEEDS} feeds + ${SUBSCRIPTIONS} subscriptions: RSS ${mb(loaded.rssBytes).toFixed(0)} MB${heap(loaded)}, start-up ${seconds(loaded.startupMs)}${cpu(loaded)}, schedulers in place after ${seconds(loaded.scheduledMs)}, ${polls} polls in ${SETTLE_MS / 1000} s`);
      log(`restart with the same: RSS ${mb(restarted.rssBytes).toFixed(0)} MB${heap(restarted)}, start-up ${seconds(restarted.startupMs)}${cpu(restarted)}, schedulers in place after ${seconds(restarted.scheduledMs)}`);
      const load = `load ${loadavg()[0]!.toFixed(1)} at the end`;
      const note = `herald start --role worker,scheduler from dist/, ${SETTLE_MS / 1000} s after start-up (${polls} polls served meanwhile)${heap(loaded)}, ${load}; baseline = same process with no feed or subscription${heap(baseline)}`;
      return [
        withRatio({ name: 'worker RSS, 10,000 feeds + 10,000 subscriptions', value: mb(loaded.rssBytes), unit: 'MB', baseline: mb(baseline.rssBytes), note }),
        withRatio({
          name: 'worker start-up, 10,000 feeds + 10,000 subscriptions',
          value: loaded.startupMs / 1000,
          unit: 's',
          baseline: baseline.startupMs / 1000,
          note: `first start, spawn to "Herald is running" (workers serving): node start, config read, feeds stored and scheduled, subscription schedulers compared (those to write go on in the background), ${load}; baseline = no feed or subscription`,
        }),
        withRatio({
          name: 'worker start-up until schedulers in place, 10,000 feeds + 10,000 subscriptions',
          value: loaded.scheduledMs / 1000,
          unit: 's',
          baseline: baseline.scheduledMs / 1000,
          note: `first start, spawn to "schedulers in place": every subscription scheduler written, ${load}`,
        }),
        withRatio({
          name: 'worker RSS after a restart, 10,000 feeds + 10,000 subscriptions',
          value: mb(restarted.rssBytes),
          unit: 'MB',
          baseline: mb(baseline.rssBytes),
          note: `the same process started again on the same Redis, ${SETTLE_MS / 1000} s after start-up: feeds already polled, so polls come at their interval slots instead of all at once as after the first start${heap(restarted)}, ${load}`,
        }),
        withRatio({
          name: 'worker restart, 10,000 feeds + 10,000 subscriptions',
          value: restarted.startupMs / 1000,
          unit: 's',
          baseline: baseline.startupMs / 1000,
          note: `the same process started again on the same Redis (everything in place), spawn to "Herald is running"${cpu(restarted)}, ${load}`,
        }),
        ...(loaded.startupCpuMs === undefined
          ? []
          : [{ name: 'worker start-up CPU time, 10,000 feeds + 10,000 subscriptions', value: loaded.startupCpuMs / 1000, unit: 's', note: 'user + system CPU of the process until "Herald is running": the start-up\'s own work, whatever else the machine runs' }]),
      ];
    } finally {
      redis.disconnect();
      await feedServer.close();
      await server.stop();
    }
  },
};

export default bench;
