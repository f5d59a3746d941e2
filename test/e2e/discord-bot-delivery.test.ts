import type { Redis } from 'ioredis';
import { ChannelType } from 'discord.js';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandServices } from '../../src/commands/services-wiring.js';
import type { CommandServices } from '../../src/commands/services.js';
import { parseConfig } from '../../src/config/load.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import { defaultFetchOptions } from '../../src/feeds/fetch.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { type DiscordBot, startDiscordBot } from '../../src/platforms/discord/bot.js';
import { createDiscordRest } from '../../src/platforms/discord/client.js';
import { DiscordSender } from '../../src/platforms/discord/sender.js';
import { RedisRateLimiter } from '../../src/platforms/rate-limiter.js';
import { COMPOSE_JOB_NAME } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { DISCORD_LIMITS } from '../../src/render/discord.js';
import { type RunningWorkers, startWorkers } from '../../src/runtime/workers.js';
import { subscriptionIdFor } from '../../src/store/subscriptions.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import { type CommandInvocation, defaultGuild, defaultIds, type DiscordEmulator, type RecordedMessage, startDiscordEmulator } from '../emulators/discord-api.js';
import { type FeedServer, startFeedServer } from '../emulators/feed-server.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { answerText, runHerald } from './discord-bot-helpers.js';
import type { DeliveryResult } from '../../jobs/deliver.js';
import { createKeys } from '../../src/store/keys.js';

const PREFIX = 'discorddelivery';

/** Extra text channels of the test server, one per failure case, so each has its own subscription. */
const channels = {
  gone: '1100000000000000301',
  refused: '1100000000000000302',
  limited: '1100000000000000303',
  slow: '1100000000000000304',
} as const;

let emulator: DiscordEmulator;
let redisServer: TestRedis;
let feedServer: FeedServer;
let connection: Redis;
let config: HeraldConfig;
let workers: RunningWorkers;
let services: CommandServices;
let bot: DiscordBot;

const WAIT = { timeout: 30_000, interval: 100 };

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Entry {
  id: string;
  title: string;
  text: string;
}

function rss(title: string, entries: Entry[]): string {
  const at = new Date().toUTCString();
  const items = entries
    .map((e) => `<item><guid>https://news.example/${e.id}</guid><link>https://news.example/${e.id}</link><title>${xml(e.title)}</title><description>${xml(e.text)}</description><pubDate>${at}</pubDate></item>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${xml(title)}</title><link>https://news.example/</link>${items}</channel></rss>`;
}

const NOISY: Entry[] = [
  { id: 'loud-1', title: 'Markets **surge** as @everyone cheers', text: 'Traders at <@&123> said __everything__ rose; @here is where ~~nothing~~ fell. Analysts at <@456> agree.' },
  { id: 'loud-2', title: 'Port strike ends after talks', text: 'Dock workers return on Monday after a deal on pay and hours was reached overnight.' },
];

/** Distinct real stories: the first item of each English story in the labelled dedup corpus. */
function distinctStories(count: number): Entry[] {
  const corpus = JSON.parse(readFileSync(new URL('../fixtures/dedup/corpus.json', import.meta.url), 'utf8')) as { stories: { items: { id: string; title: string; text: string; language: string }[] }[] };
  const firsts = corpus.stories.flatMap((story) => story.items.slice(0, 1)).filter((item) => item.language === 'en');
  if (firsts.length < count) throw new Error(`the corpus has ${firsts.length} English stories, not ${count}`);
  return firsts.slice(0, count).map(({ id, title, text }) => ({ id, title, text }));
}

const herald = (subcommand: string[], options: CommandInvocation['options'] = {}) => runHerald(emulator, subcommand, options);

async function subscriptionOf(channelId: string, channelKind: 'text' | 'forum' = 'text'): Promise<Subscription> {
  const subscription = await services.subscriptions.get(subscriptionIdFor({ platform: 'discord', chatId: channelId, channelKind }));
  if (!subscription) throw new Error(`no subscription for ${channelId}`);
  return subscription;
}

/**
 * Subscribes a channel through the slash command, waits until its briefing has stories, arms a
 * failure on the channel if asked, asks for the briefing now and resolves with what the delivery
 * job reported.
 */
async function subscribeAndDeliver(channelId: string, setup: { channelKind?: 'text' | 'forum'; arm?: () => void; minBullets?: number } = {}): Promise<{ subscription: Subscription; result: DeliveryResult }> {
  expect(answerText(await herald(['subscribe'], { channel: channelId }))).toMatch(/^(Subscribed|Updated)/);
  const subscription = await subscriptionOf(channelId, setup.channelKind);
  const bullets = async () => (await services.composePreview(subscription, new Date()))?.sections.reduce((sum, section) => sum + section.bullets.length, 0) ?? 0;
  await expect.poll(bullets, WAIT).toBeGreaterThanOrEqual(setup.minBullets ?? 1);
  setup.arm?.();
  await workers.queues.compose.add(COMPOSE_JOB_NAME, { subscriptionId: subscription.id });
  let result: DeliveryResult | undefined;
  await expect
    .poll(async () => {
      const finished = await workers.queues.deliver.getJobs(['completed']);
      result = finished.find((job) => job.data.subscriptionId === subscription.id)?.returnvalue as DeliveryResult | undefined;
      return result !== undefined;
    }, WAIT)
    .toBe(true);
  return { subscription, result: result! };
}

/** Messages the bot posted itself (not interaction replies). */
const posted = (channelId: string): RecordedMessage[] => emulator.messages(channelId).filter((m) => m.via !== 'interaction');

function visibleText(message: RecordedMessage): string {
  return [message.content ?? '', ...message.embeds.flatMap((e) => [String(e.title ?? ''), String(e.description ?? '')])].join('\n');
}

beforeAll(async () => {
  const guild = defaultGuild();
  guild.channels.push(
    { id: channels.gone, name: 'gone', type: ChannelType.GuildText },
    { id: channels.refused, name: 'refused', type: ChannelType.GuildText },
    { id: channels.limited, name: 'limited', type: ChannelType.GuildText },
    { id: channels.slow, name: 'slow', type: ChannelType.GuildText },
  );
  [emulator, redisServer, feedServer] = await Promise.all([startDiscordEmulator({ guilds: [guild] }), startRedis(), startFeedServer()]);
  connection = createRedisConnection(redisServer.url);
  config = parseConfig({
    redis: { prefix: PREFIX },
    fetch: { allowHosts: [feedServer.host], timeoutMs: 20_000 },
    discord: { token: emulator.token, apiBase: emulator.apiBase, guildId: defaultIds.guild, owners: [] },
  });
  const silent = createLogger({ level: 'silent' });
  // A rate limit longer than 1 s fails the send, so the deliver job's own delay path is exercised too.
  const rest = createDiscordRest(config.discord, { maxRateLimitWaitMs: 1_000 });
  const senders = {
    discord: new DiscordSender({ rest, pacer: new RedisRateLimiter(connection, `${PREFIX}:ratelimit:`) }),
    console: new ConsoleSender(new Writable({ write: (_chunk, _encoding, done) => done() })),
  };
  workers = await startWorkers({ config, connection, senders, logger: silent, roles: { worker: true, scheduler: false }, shutdownGraceMs: 2_000 });
  services = createCommandServices({
    config,
    redis: connection,
    keys: createKeys(PREFIX),
    pollQueue: workers.queues.poll,
    composeQueue: workers.queues.compose,
    deliverQueue: workers.queues.deliver,
    fetchOptions: defaultFetchOptions(config.fetch),
  });
  bot = await startDiscordBot({ config, services, logger: silent });

  feedServer.setFeed('/loud.xml', rss('Loud Wire', NOISY));
  expect(answerText(await herald(['feed', 'add'], { url: feedServer.url('/loud.xml'), section: 'World' }))).toMatch(/^Added/);
});

afterAll(async () => {
  await bot?.stop();
  await workers?.close();
  connection?.disconnect();
  await Promise.all([emulator?.close(), feedServer?.close(), redisServer?.stop()]);
});

const statusesOf = (channelId: string) => emulator.requests().filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`).map((r) => r.status);

describe('Discord delivery of the scheduled briefing', () => {
  it('posts the briefing to the subscribed channel as valid embeds that ping no one, feed markup escaped', async () => {
    const { result } = await subscribeAndDeliver(defaultIds.text);
    const messages = posted(defaultIds.text);
    expect(result).toMatchObject({ status: 'delivered', sentParts: messages.length });
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message.allowedMentions).toEqual({ parse: [] });
      expect(message.pings).toEqual({ everyone: false, users: [], roles: [] });
      expect(message.embedsDropped).toBe(false);
      expect(message.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedsPerMessage);
    }
    expect(messages[0]?.embeds.length).toBeGreaterThan(0);
    const text = messages.map(visibleText).join('\n');
    // Mentions survive as text only: a zero-width space after every @.
    expect(text).not.toMatch(/@(everyone|here|&?\d)/);
    expect(text).toContain('@\u200beveryone');
    // Feed markdown is shown literally, not applied.
    expect(text).toContain('\\*\\*surge\\*\\*');
    expect(text).toContain('Port strike ends');
  });

  it('shows a preview as rendered follow-ups, privately, without posting to the channel', async () => {
    const before = posted(defaultIds.forum).length + emulator.threads(defaultIds.forum).length;
    const responses = await runHerald(emulator, ['preview'], { channel: defaultIds.forum }, {}, 1);
    const parts = responses.filter((r) => r.kind === 'followup');
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts) {
      expect(part.ephemeral).toBe(true);
      expect(part.data.allowed_mentions).toEqual({ parse: [] });
    }
    expect(parts.some((p) => Array.isArray(p.data.embeds) && p.data.embeds.length > 0)).toBe(true);
    expect(posted(defaultIds.forum).length + emulator.threads(defaultIds.forum).length).toBe(before);
  });

  it('delivers to a forum as one post named after the briefing, later parts inside it', async () => {
    feedServer.setFeed('/many.xml', rss('Many Wire', distinctStories(40)));
    expect(answerText(await herald(['feed', 'add'], { url: feedServer.url('/many.xml'), section: 'Local' }))).toMatch(/^Added/);
    expect(answerText(await herald(['subscribe'], { channel: defaultIds.forum }))).toMatch(/^Subscribed/);
    expect(answerText(await herald(['settings'], { bullets: 60, channel: defaultIds.forum }))).toContain('bullets: 60');
    const { result } = await subscribeAndDeliver(defaultIds.forum, { channelKind: 'forum', minBullets: 35 });
    const posts = emulator.threads(defaultIds.forum);
    expect(posts).toHaveLength(1);
    const inPost = posted(posts[0]!.id);
    expect(result).toMatchObject({ status: 'delivered', sentParts: inPost.length });
    expect(inPost.length).toBeGreaterThan(1);
    expect(inPost[0]?.via).toBe('forum-post');
    expect(inPost.slice(1).every((m) => m.via === 'channel')).toBe(true);
    expect(posts[0]!.name).toMatch(/\d{4}/);
    expect(posted(defaultIds.forum)).toEqual([]);
    expect(inPost.every((m) => JSON.stringify(m.allowedMentions) === '{"parse":[]}')).toBe(true);
  });
});

describe('Discord delivery failures', () => {
  it('deactivates the subscription of a deleted channel (404), records why and drops its schedule', async () => {
    const { subscription, result } = await subscribeAndDeliver(channels.gone, { arm: () => emulator.failChannel(channels.gone, 'unknown-channel') });
    expect(result.status).toBe('deactivated');
    const stored = await subscriptionOf(channels.gone);
    expect(stored).toMatchObject({ active: false, inactiveReason: expect.stringMatching(/Unknown Channel/) });
    const schedulers = await workers.queues.compose.getJobSchedulers();
    expect(schedulers.some((s) => s.template?.data?.subscriptionId === subscription.id)).toBe(false);
    expect(posted(channels.gone)).toEqual([]);
  });

  it('deactivates on 403 Missing Access after one refused request, not a storm of them', async () => {
    const { result } = await subscribeAndDeliver(channels.refused, { arm: () => emulator.failChannel(channels.refused, 'missing-access') });
    expect(result.status).toBe('deactivated');
    expect((await subscriptionOf(channels.refused)).inactiveReason).toMatch(/Missing Access/);
    expect(statusesOf(channels.refused)).toEqual([403]);
    // /herald status tells the admin why.
    expect(answerText(await herald(['status'], { channel: channels.refused }))).toMatch(/Missing Access/);
  });

  it('waits out a short 429 retry_after inside the send and delivers every part once', async () => {
    const { result } = await subscribeAndDeliver(channels.limited, { arm: () => emulator.rateLimitNext(channels.limited, { retryAfterMs: 300 }) });
    const messages = posted(channels.limited);
    expect(result).toMatchObject({ status: 'delivered', sentParts: messages.length });
    const statuses = statusesOf(channels.limited);
    expect(statuses[0]).toBe(429);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(messages.length);
  });

  it('puts the delivery back for a long retry_after and delivers every part once when it is over', async () => {
    const { result } = await subscribeAndDeliver(channels.slow, { arm: () => emulator.rateLimitNext(channels.slow, { retryAfterMs: 2_500 }) });
    const messages = posted(channels.slow);
    expect(result).toMatchObject({ status: 'delivered', sentParts: messages.length });
    const statuses = statusesOf(channels.slow);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(messages.length);
    expect((await subscriptionOf(channels.slow)).active).toBe(true);
  });
});
