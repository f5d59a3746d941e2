/**
 * `herald start` as operators run it (the built dist/), against the emulators, with real
 * events behind every metric the README lists: polls (one feed gone), duplicates, briefings
 * summarized by the LLM emulator (failing first, then good, then from the shared cache), a 429,
 * a chat that blocked the bot, a delivery that can only fail. Then /metrics must show each
 * documented metric counted, and a Redis outage must be logged once.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSE_JOB_NAME, createComposeQueue, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startLlmEmulator, type LlmEmulator } from '../emulators/llm-api.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { readmeMetrics } from '../support/readme-metrics.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { subscriptionFor, telegramChat } from '../support/subscription-fixtures.js';

/** Four stories that have nothing in common, so each is a bullet of its own. */
function cityDeskXml(): string {
  const stories = [
    ['tram', 'Tram line 4 extended to the harbour', 'The city council approved the extension of tram line 4 to the harbour district on Tuesday.'],
    ['library', 'Central library reopens after renovation', 'Readers queued for hours as the renovated central library opened its doors with a new children\'s wing.'],
    ['marathon', 'Kenyan runner wins the spring marathon', 'A record field of twelve thousand runners finished the spring marathon in warm weather.'],
    ['budget', 'Water utility raises prices by five percent', 'Households will pay more for drinking water from July, the municipal utility announced.'],
  ];
  const items = stories.map(([slug, title, text], i) => {
    const published = new Date(Date.now() - (i + 1) * 600_000).toUTCString();
    return `<item><guid>urn:city:${slug}</guid><link>https://city.example/${slug}</link><title>${title}</title><description>${text}</description><pubDate>${published}</pubDate></item>`;
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>City Desk</title><link>https://city.example/</link>${items.join('')}</channel></rss>`;
}

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'src', 'cli.js');
const TOKEN = '5005005:metrics-e2e-token-abcdefghijklmnopqrstuvwxyz';
const LLM_KEY = 'sk-herald-e2e';

/** Chats of the run: each stands for one event. */
const CHAT = { extractive: 501, blocked: 502, rateLimited: 503, fromCache: 504 } as const;

interface HeraldProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Parsed JSON log lines so far. */
  lines(): Array<{ level: number; msg: string } & Record<string, unknown>>;
}

function startHerald(configFile: string, env: Record<string, string>): HeraldProcess {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm ci does)`);
  const child = spawn(process.execPath, [cli, 'start', '--config', configFile], { cwd: root, env: { ...process.env, LOG_LEVEL: 'info', DISCORD_BOT_TOKEN: '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    lines: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string }),
  };
}

/** Waits until `condition` holds, checking every 100 ms; fails naming what did not happen. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every sample of the exposition as `series → value`, e.g. `herald_feed_polls_total{status="fetched"}` → 2. */
function samples(exposition: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** The largest sample of a metric across its labels (a histogram by its _count). */
function largest(values: Map<string, number>, metric: string): number | undefined {
  const found = [...values].filter(([series]) => series === metric || series.startsWith(`${metric}{`) || series.startsWith(`${metric}_count`)).map(([, value]) => value);
  return found.length === 0 ? undefined : Math.max(...found);
}

describe('herald start counts every metric the README lists, from real events', () => {
  let redis: TestRedis;
  let client: Redis;
  let feeds: FeedServer;
  let telegram: TelegramEmulator;
  let llm: LlmEmulator;
  let herald: HeraldProcess;
  let composeQueue: ComposeQueue;
  let exposition: Map<string, number>;
  const keys = createKeys('herald');

  /** Queues the planned briefing of these subscriptions, all at one instant, as their schedulers would. */
  async function brief(subscriptions: Subscription[]): Promise<void> {
    const at = Date.now();
    await composeQueue.addBulk(subscriptions.map((sub) => ({ name: COMPOSE_JOB_NAME, data: { subscriptionId: sub.id }, opts: { prevMillis: at } })));
  }

  const received = (chatId: number) => telegram.messages(chatId).map((message) => message.plainText).join('\n');

  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
    // This client (and the queue on it) lives through the outage at the end; its refusals are not what is tested.
    client.on('error', () => undefined);
    feeds = await startFeedServer();
    // The same four items twice (exact duplicates), and a feed that is gone.
    feeds.setFeed('/city.xml', cityDeskXml());
    feeds.setFeed('/mirror.xml', cityDeskXml());
    telegram = await startTelegramEmulator({ token: TOKEN });
    for (const id of Object.values(CHAT)) telegram.addChat({ id, type: 'private', firstName: `Reader ${id}` });
    telegram.failChat(CHAT.blocked, 'blocked');
    telegram.failChat(CHAT.rateLimited, 'too-many-requests', { times: 1, retryAfterSeconds: 1 });
    llm = await startLlmEmulator();

    const dir = await mkdtemp(join(tmpdir(), 'herald-metrics-'));
    const configFile = join(dir, 'herald.config.yaml');
    await writeFile(
      configFile,
      [
        'feeds:',
        `  - url: ${feeds.url('/city.xml')}`,
        `  - url: ${feeds.url('/mirror.xml')}`,
        `  - url: ${feeds.url('/gone.xml')}`,
        'fetch:',
        `  allowHosts: ["${feeds.host}"]`,
        'llm:',
        `  baseUrl: ${llm.baseUrl}`,
        '  model: e2e-model',
        '  timeoutMs: 5000',
        'health:',
        '  port: 0',
      ].join('\n'),
    );
    herald = startHerald(configFile, { REDIS_URL: redis.url, TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: telegram.apiRoot, HERALD_LLM_API_KEY: LLM_KEY });
    await until('Herald is running', () => herald.output().includes('Herald is running'));
    const healthUrl = /health and metrics on (http:\/\/[^ ]+)/.exec(herald.output())?.[1];
    if (!healthUrl) throw new Error(`no health server address in the log:\n${herald.output()}`);

    composeQueue = createComposeQueue(client);
    composeQueue.on('error', () => undefined);
    const subscriptions = new SubscriptionStore(client, keys);
    const berlin = { timezone: 'Europe/Berlin', weekdays: ['07:30'], weekends: ['07:30'] };
    const subs = {
      extractive: telegramChat(CHAT.extractive),
      // One bundle (same zone, same settings) for the next three: the model is asked once for them all.
      blocked: telegramChat(CHAT.blocked, { schedule: berlin }),
      rateLimited: telegramChat(CHAT.rateLimited, { schedule: berlin }),
      // No Discord token: this delivery can only fail, into the dead letters.
      discord: subscriptionFor({ platform: 'discord', chatId: '880000000000000001', channelKind: 'text' }, { schedule: berlin }),
      fromCache: telegramChat(CHAT.fromCache, { schedule: { ...berlin, timezone: 'Asia/Tokyo' } }),
    };
    for (const sub of Object.values(subs)) await subscriptions.upsert(sub);

    // The feeds are polled at start; a briefing reads the stories their items were placed in.
    await until('the polls placed the items in stories', async () => (await client.keys('herald:story-of:*')).length >= 4);
    await until('the gone feed was polled', () => feeds.requests.some((request) => request.path === '/gone.xml'));

    // 1. The model fails: every story gets its extractive summary, and the briefing still goes out.
    llm.behave('error');
    await brief([subs.extractive]);
    await until('the extractive briefing arrived', () => telegram.messages(CHAT.extractive).length > 0);

    // 2. The model answers: one bundle for a blocked chat, a rate-limited one and a Discord channel.
    llm.behave('good');
    await brief([subs.blocked, subs.rateLimited, subs.discord]);
    await until('the rate-limited chat got the model\'s briefing', () => received(CHAT.rateLimited).includes('(model)'));
    await until('the blocked chat was deactivated', async () => (await subscriptions.get(subs.blocked.id))?.active === false);
    await until('the Discord delivery is a dead letter', async () => (await new DeliveryStore(client, keys).deadLetters()).length === 1);

    // 3. Another bundle of the same stories: the summaries come from the cache in Redis.
    const requestsBefore = llm.requests.length;
    await brief([subs.fromCache]);
    await until('the cached briefing arrived', () => received(CHAT.fromCache).includes('(model)'));
    expect(llm.requests.length).toBe(requestsBefore);

    const response = await fetch(`${healthUrl}/metrics`);
    exposition = samples(await response.text());
  }, 240_000);

  afterAll(async () => {
    herald?.child.kill('SIGKILL');
    await composeQueue?.close();
    await Promise.all([feeds?.close(), telegram?.close(), llm?.close()]);
    await redis?.stop();
  });

  it('shows every metric the README documents, each counted at least once', async () => {
    const documented = await readmeMetrics();
    const uncounted = documented.filter((metric) => {
      const value = largest(exposition, metric);
      // Node's own gauges may read 0 (no event-loop lag); Herald's must have counted something.
      return value === undefined || (metric.startsWith('herald_') && !(value > 0));
    });
    expect(uncounted).toEqual([]);
  });

  it('summarizes with the model through the configured endpoint and key, logs and counts the fallbacks', () => {
    expect(llm.requests.length).toBeGreaterThan(0);
    expect(llm.requests.every((request) => request.authorization === `Bearer ${LLM_KEY}` && request.model === 'e2e-model')).toBe(true);
    expect(received(CHAT.extractive)).not.toContain('(model)');
    expect(received(CHAT.extractive)).toContain('Tram line 4 extended to the harbour');

    const fallbackLines = herald.lines().filter((line) => line.msg.startsWith('LLM summaries:'));
    expect(fallbackLines).toHaveLength(1);
    expect(fallbackLines[0]!.level).toBe(40);
    expect(fallbackLines[0]!.msg).toMatch(/^LLM summaries: \d+ of \d+ stories got extractive summaries: request failed ×3.*\(chat endpoint answered HTTP 500\)$/);

    expect(exposition.get('herald_llm_fallbacks_total{reason="failed"}')).toBe(3);
    expect(exposition.get('herald_llm_summaries_total{source="model"}')).toBeGreaterThan(0);
    expect(exposition.get('herald_llm_summaries_total{source="cache"}')).toBe(exposition.get('herald_llm_summaries_total{source="model"}'));
  });

  it('counts the dead letter, the deactivation and the 429 under their platforms', () => {
    expect(exposition.get('herald_dead_letters_total{platform="discord"}')).toBe(1);
    expect(exposition.get('herald_subscriptions_deactivated_total{platform="telegram"}')).toBe(1);
    expect(exposition.get('herald_rate_limited_total{platform="telegram"}')).toBeGreaterThanOrEqual(1);
    expect(exposition.get('herald_fetch_errors_total{kind="http"}')).toBeGreaterThanOrEqual(1);
    expect(exposition.get('herald_duplicates_dropped_total{stage="exact"}')).toBeGreaterThanOrEqual(4);
  });

  it('logs a Redis outage once, with its duration, however many workers notice it', async () => {
    const linesBefore = herald.lines().length;
    await redis.down();
    await expect.poll(() => herald.lines().slice(linesBefore).some((line) => line.msg.startsWith('Redis is unreachable')), { timeout: 30_000 }).toBe(true);
    await redis.up();
    await expect.poll(() => herald.lines().slice(linesBefore).some((line) => line.msg.startsWith('Redis is back')), { timeout: 30_000 }).toBe(true);
    // The workers' own connections come back on their own schedule: a readiness check that answers means the shared one is back.
    const outage = herald.lines().slice(linesBefore).filter((line) => /Redis|worker error/.test(line.msg));
    expect(outage.map((line) => line.msg)).toEqual([expect.stringMatching(/^Redis is unreachable/), expect.stringMatching(/^Redis is back after/)]);
  });
});
