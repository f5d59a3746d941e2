/**
 * `herald start` (the built CLI, as users run it) with both bots pointed at the platform
 * emulators: every 429 a platform answers, to a reply or to a delivery, on Telegram or Discord,
 * shows in herald_rate_limited_total on /metrics.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDeliverQueue, fanOut } from '../../src/queue/deliver-jobs.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { defaultIds, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord-api.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { saveTestBriefing } from '../support/delivery-rig.js';
import { freePort, startRedis, type TestRedis } from '../support/redis.js';
import { subscriptionFor, telegramChat } from '../support/subscription-fixtures.js';

const root = resolve(import.meta.dirname, '..', '..');
const TOKEN = '424242:start-rate-limits';
const PREFIX = 'startrl';
const WAIT = { timeout: 60_000, interval: 100 };

let redis: TestRedis;
let telegram: TelegramEmulator;
let discord: DiscordEmulator;
let herald: ChildProcessWithoutNullStreams;
let output = '';
let metricsUrl: string;

beforeAll(async () => {
  [redis, telegram, discord] = await Promise.all([startRedis(), startTelegramEmulator({ token: TOKEN }), startDiscordEmulator()]);
  const configFile = join(await mkdtemp(join(tmpdir(), 'herald-rl-')), 'herald.config.yaml');
  await writeFile(configFile, `redis:\n  prefix: ${PREFIX}\n`);
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  herald = spawn(process.execPath, [join(root, 'dist/src/cli.js'), 'start', '--config', configFile], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DISCORD_BOT_TOKEN: discord.token,
      DISCORD_API_BASE: discord.apiBase,
      HERALD_HEALTH_PORT: String(port),
    },
  });
  herald.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  herald.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (const deadline = Date.now() + 60_000; !output.includes('Herald is running'); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline || herald.exitCode !== null) throw new Error(`herald start did not come up:\n${output}`);
  }
}, 90_000);

afterAll(async () => {
  herald?.kill('SIGKILL');
  await Promise.all([telegram?.close(), discord?.close(), redis?.stop()]);
});

/** The value of one series on /metrics, 0 while it is absent. */
async function metric(series: string): Promise<number> {
  const body = await (await fetch(metricsUrl)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

it('counts every 429 in herald_rate_limited_total: a reply and a delivery on Telegram, a delivery on Discord', { timeout: 90_000 }, async () => {
  // A reply Telegram refuses once: the bot waits out retry_after and answers.
  telegram.addChat({ id: 501, type: 'private' });
  telegram.failChat(501, 'too-many-requests', { retryAfterSeconds: 1, times: 1 });
  telegram.userMessage({ chatId: 501, text: '/help' });
  await expect.poll(() => telegram.messages(501).length, WAIT).toBe(1);

  // A delivery to each platform, each refused once with a 429.
  telegram.addChat({ id: 502, type: 'private' });
  telegram.failChat(502, 'too-many-requests', { retryAfterSeconds: 1, times: 1 });
  discord.rateLimitNext(defaultIds.text, { retryAfterMs: 300 });
  const keys = createKeys(PREFIX);
  const subscriptions = [telegramChat(502), subscriptionFor({ platform: 'discord', chatId: defaultIds.text, channelKind: 'text' })];
  const store = new SubscriptionStore(redis.client(), keys);
  for (const subscription of subscriptions) await store.upsert(subscription);
  await saveTestBriefing(new BriefingStore(redis.client(), keys), 'limited');
  const queue = createDeliverQueue(redis.client(), PREFIX);
  await fanOut(queue, 'limited', subscriptions);
  await queue.close();
  await expect.poll(() => telegram.messages(502).length, WAIT).toBe(3);
  await expect.poll(() => discord.messages(defaultIds.text).length, WAIT).toBe(3);

  expect(telegram.stats.tooManyRequests).toBe(2);
  await expect.poll(() => metric('herald_rate_limited_total{platform="telegram"}'), WAIT).toBe(2);
  await expect.poll(() => metric('herald_rate_limited_total{platform="discord"}'), WAIT).toBe(1);
});
