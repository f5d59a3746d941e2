/**
 * `herald start` (the built CLI) when a bot platform refuses the token, cannot be reached, or is
 * too slow to answer, against the Telegram and Discord emulators: a refused token stops Herald
 * at once with the fix; an unreachable or slow platform is retried in the background, each try
 * logged, /readyz naming it, while the feeds are polled and the other platform's bot runs.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord-api.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { CITY_DESK_FEED, startHeraldProcess, type HeraldProcess } from '../support/herald-process.js';
import { freePort, startRedis, type TestRedis } from '../support/redis.js';

const TELEGRAM_TOKEN = '424242:platform-startup';
const LONG = 120_000;

let redis: TestRedis;
let feedServer: FeedServer;
let configFile: string;
const cleanups: Array<() => Promise<unknown> | void> = [];

beforeAll(async () => {
  [redis, feedServer] = await Promise.all([startRedis(), startFeedServer()]);
  feedServer.setFeed('/city.xml', CITY_DESK_FEED);
  configFile = join(await mkdtemp(join(tmpdir(), 'herald-platforms-')), 'herald.config.yaml');
  await writeFile(configFile, [`feeds:`, `  - url: ${feedServer.url('/city.xml')}`, `    name: City Desk`, `fetch:`, `  allowHosts: ["${feedServer.host}"]`].join('\n'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await Promise.all([feedServer?.close(), redis?.stop()]);
});

let runs = 0;

/** Herald on the test Redis under a prefix of its own (a first start: feeds polled at once), with a free health port; no bot token unless `env` gives one. */
async function herald(env: Record<string, string>): Promise<HeraldProcess> {
  const healthPort = await freePort();
  const isolated = { REDIS_URL: redis.url, HERALD_PREFIX: `platforms${++runs}`, HERALD_HEALTH_PORT: String(healthPort) };
  const started = startHeraldProcess(configFile, { ...isolated, TELEGRAM_BOT_TOKEN: '', DISCORD_BOT_TOKEN: '', ...env });
  cleanups.push(() => started.kill());
  return started;
}

async function telegramEmulator(options: Parameters<typeof startTelegramEmulator>[0]): Promise<TelegramEmulator> {
  const emulator = await startTelegramEmulator(options);
  cleanups.push(() => emulator.close());
  return emulator;
}

async function discordEmulator(options: Parameters<typeof startDiscordEmulator>[0] = {}): Promise<DiscordEmulator> {
  const emulator = await startDiscordEmulator(options);
  cleanups.push(() => emulator.close());
  return emulator;
}

async function stopsCleanly(started: HeraldProcess): Promise<void> {
  started.child.kill('SIGTERM');
  expect(await started.exited).toBe(0);
}

describe('a bot token the platform refuses', () => {
  it('Telegram (401): exits 1 with the fix, starting nothing', { timeout: LONG }, async () => {
    const telegram = await telegramEmulator({ token: TELEGRAM_TOKEN });
    const started = await herald({ TELEGRAM_BOT_TOKEN: '424242:revoked', TELEGRAM_API_ROOT: telegram.apiRoot });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('Telegram rejected TELEGRAM_BOT_TOKEN (401: Unauthorized): get a new one from @BotFather, /token');
    expect(started.output()).not.toContain('Herald is running');
    expect(telegram.stats.calls.getUpdates ?? 0).toBe(0);
  });

  it('Discord (401): exits 1 with the fix, starting nothing', { timeout: LONG }, async () => {
    const discord = await discordEmulator();
    const started = await herald({ DISCORD_BOT_TOKEN: 'not-the-bot-token', DISCORD_API_BASE: discord.apiBase });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('Discord rejected DISCORD_BOT_TOKEN (401: Unauthorized)');
    expect(started.output()).toContain('https://discord.com/developers/applications');
    expect(started.output()).not.toContain('Herald is running');
    expect(discord.handshakes().identified).toBe(0);
  });

  it('refused only once the platform is reachable again: Herald still stops, with exit 1', { timeout: LONG }, async () => {
    const telegramPort = await freePort();
    const started = await herald({ TELEGRAM_BOT_TOKEN: '424242:revoked', TELEGRAM_API_ROOT: `http://127.0.0.1:${telegramPort}` });
    await started.waitForOutput('Herald is running');
    await started.waitForOutput(/Telegram bot not started \(try 1: /);
    await telegramEmulator({ token: TELEGRAM_TOKEN, port: telegramPort });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('Telegram rejected TELEGRAM_BOT_TOKEN (401: Unauthorized)');
    expect(started.output()).toContain('shut down cleanly');
  });
});

describe('a platform that cannot be reached', () => {
  it('is retried with each try logged, named on /readyz while feeds are polled and the other bot runs; its bot starts once it is back', { timeout: LONG }, async () => {
    const [telegramPort, discordPort] = await Promise.all([freePort(), freePort()]);
    const started = await herald({
      TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${telegramPort}`,
      DISCORD_BOT_TOKEN: 'emulator-bot-token',
      DISCORD_API_BASE: `http://127.0.0.1:${discordPort}/api`,
    });
    // Every try is logged with what went wrong.
    await started.waitForOutput(/Telegram bot not started \(try 2: connect ECONNREFUSED 127\.0\.0\.1:\d+\); next try in 2 s/);
    await started.waitForOutput(/Discord bot not started \(try 2: [^)]*ECONNREFUSED[^)]*\); next try in 2 s/);
    const down = await started.waitForReadiness((status) => status === 503);
    expect(down.body.checks).toMatchObject({ redis: 'ok', telegram: expect.stringContaining('Telegram bot not started'), discord: expect.stringContaining('Discord bot not started') });

    // Meanwhile the rest of Herald works: the configured feed is polled.
    await expect.poll(() => feedServer.requests.some((request) => request.path === '/city.xml'), { timeout: 60_000 }).toBe(true);
    await started.waitForOutput('feed polled: City Desk, ');

    // Telegram comes back first: its bot starts while Discord is still named as down.
    await telegramEmulator({ token: TELEGRAM_TOKEN, port: telegramPort });
    await started.waitForOutput('Telegram bot polling for updates');
    const half = await started.waitForReadiness((_, body) => body.checks.telegram === 'ok');
    expect(half.status).toBe(503);
    expect(half.body.checks.discord).toContain('Discord bot not started');

    await discordEmulator({ port: discordPort });
    await started.waitForReadiness((status) => status === 200, 90_000);
    expect(started.output()).toContain('discord bot ready');
    await stopsCleanly(started);
  });
});

describe('a platform too slow to answer', () => {
  it('counts a try without an answer as failed and retries; the bots start once answers come', { timeout: LONG }, async () => {
    const telegram = await telegramEmulator({ token: TELEGRAM_TOKEN });
    const discord = await discordEmulator();
    const releaseTelegram = telegram.stall();
    const releaseDiscord = discord.stall();
    const started = await herald({
      TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DISCORD_BOT_TOKEN: discord.token,
      DISCORD_API_BASE: discord.apiBase,
    });
    await started.waitForOutput('Herald is running');
    await started.waitForOutput(/Telegram bot not started \(try 1: no answer within 20 s\)/, 90_000);
    await started.waitForOutput(/Discord bot not started \(try 1: no answer within 20 s\)/, 90_000);
    const down = await started.waitForReadiness((status) => status === 503);
    expect(Object.keys(down.body.checks).filter((name) => down.body.checks[name] !== 'ok').sort()).toEqual(['discord', 'telegram']);

    releaseTelegram();
    releaseDiscord();
    await started.waitForReadiness((status) => status === 200, 90_000);
    expect(started.output()).toContain('Telegram bot polling for updates');
    expect(started.output()).toContain('discord bot ready');
    await stopsCleanly(started);
  });
});
