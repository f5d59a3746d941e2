import type { Redis } from 'ioredis';
import { ApplicationCommandOptionType, ChannelType, PermissionFlagsBits, Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandServices } from '../../src/commands/services-wiring.js';
import type { CommandServices } from '../../src/commands/services.js';
import { parseConfig } from '../../src/config/load.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import { defaultFetchOptions } from '../../src/feeds/fetch.js';
import { createLogger } from '../../src/log.js';
import { type DiscordBot, startDiscordBot } from '../../src/platforms/discord/bot.js';
import { type ComposeQueue, createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createDeliverQueue, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createPollQueue, type PollQueue } from '../../src/queue/poll-jobs.js';
import { createKeys } from '../../src/store/keys.js';
import { subscriptionIdFor } from '../../src/store/subscriptions.js';
import { botRolePermissions, type CommandInvocation, defaultGuild, defaultIds, type DiscordEmulator, type GuildSeed, type InteractionResponse, startDiscordEmulator } from '../emulators/discord-api.js';
import { type FeedServer, startFeedServer } from '../emulators/feed-server.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { answerText, isAnswer, runHerald } from './discord-bot-helpers.js';

const PREFIX = 'discordbot';

function rss(title: string, entries: { id: string; title: string }[]): string {
  const items = entries
    .map((e) => `<item><guid>https://news.example/${e.id}</guid><link>https://news.example/${e.id}</link><title>${e.title}</title><description>About ${e.title}.</description><pubDate>${new Date().toUTCString()}</pubDate></item>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${title}</title><link>https://news.example/</link>${items}</channel></rss>`;
}

/** A second server Herald is in, with its own owner: nothing done in the first may reach it. */
const other = { guild: '1200000000000000001', owner: '1200000000000000010', channel: '1200000000000000201' } as const;
const otherGuild: GuildSeed = {
  id: other.guild,
  name: 'Other Server',
  ownerId: other.owner,
  roles: [{ id: other.guild, name: '@everyone', permissions: botRolePermissions }],
  channels: [{ id: other.channel, name: 'elsewhere', type: ChannelType.GuildText }],
  members: [
    { id: other.owner, username: 'other-owner', roles: [] },
    { id: defaultIds.bot, username: 'Herald', roles: [], bot: true },
  ],
};

let emulator: DiscordEmulator;
let redisServer: TestRedis;
let feedServer: FeedServer;
let slowFeedServer: FeedServer;
let connection: Redis;
let pollQueue: PollQueue;
let composeQueue: ComposeQueue;
let deliverQueue: DeliverQueue;
let config: HeraldConfig;
let services: CommandServices;
let bot: DiscordBot;

const herald = (subcommand: string[], options: CommandInvocation['options'] = {}, extra: Partial<CommandInvocation> = {}) => runHerald(emulator, subcommand, options, extra);
const final = (responses: InteractionResponse[]) => responses.find(isAnswer);
const answer = answerText;

const subscriptionOf = (channelId: string, channelKind: 'text' | 'forum' = 'text') => services.subscriptions.get(subscriptionIdFor({ platform: 'discord', chatId: channelId, channelKind }));

beforeAll(async () => {
  [emulator, redisServer, feedServer, slowFeedServer] = await Promise.all([
    startDiscordEmulator({ guilds: [defaultGuild(), otherGuild] }),
    startRedis(),
    startFeedServer(),
    startFeedServer({ latencyMs: 2_500 }),
  ]);
  connection = createRedisConnection(redisServer.url);
  pollQueue = createPollQueue(connection, PREFIX);
  composeQueue = createComposeQueue(connection, PREFIX);
  deliverQueue = createDeliverQueue(connection, PREFIX);
  config = parseConfig({
    redis: { prefix: PREFIX },
    defaults: { timezone: 'Europe/Berlin', briefingTime: '07:30' },
    fetch: { allowHosts: [feedServer.host, slowFeedServer.host], timeoutMs: 20_000 },
    discord: { token: emulator.token, apiBase: emulator.apiBase, guildId: defaultIds.guild, owners: [defaultIds.owner] },
  });
  services = createCommandServices({ config, redis: connection, keys: createKeys(PREFIX), pollQueue, composeQueue, deliverQueue, fetchOptions: defaultFetchOptions(config.fetch) });
  bot = await startDiscordBot({ config, services, logger: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await bot?.stop();
  await pollQueue?.close();
  await composeQueue?.close();
  await deliverQueue?.close();
  connection?.disconnect();
  await Promise.all([emulator?.close(), feedServer?.close(), slowFeedServer?.close(), redisServer?.stop()]);
});

describe('Discord bot: registration', () => {
  it('registers /herald in the configured guild, for Manage Server by default, with every subcommand', () => {
    const [command] = emulator.commands(defaultIds.guild) as { name: string; default_member_permissions: string; options: { name: string; type: number; options?: { name: string }[] }[] }[];
    expect(emulator.commands()).toEqual([]);
    expect(command?.name).toBe('herald');
    expect(command?.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
    const names = command!.options.map((o) => o.name);
    expect(names).toEqual(['subscribe', 'unsubscribe', 'feed', 'schedule', 'settings', 'mute', 'boost', 'preview', 'status', 'export', 'import', 'retry']);
    const feed = command!.options.find((o) => o.name === 'feed');
    expect(feed?.type).toBe(ApplicationCommandOptionType.SubcommandGroup);
    expect(feed?.options?.map((o) => o.name)).toEqual(['add', 'remove', 'list']);
    const subscribe = command!.options.find((o) => o.name === 'subscribe');
    expect(subscribe?.options?.map((o) => o.name)).toEqual(['channel', 'time', 'timezone']);
  });
});

describe('Discord bot: start-up', () => {
  it('fails at start with a rejected token instead of running without commands', async () => {
    const rejected = parseConfig({ redis: { prefix: PREFIX }, discord: { token: 'not-the-token', apiBase: emulator.apiBase } });
    await expect(startDiscordBot({ config: rejected, services, logger: createLogger({ level: 'silent' }) })).rejects.toThrow(/token/i);
    expect(emulator.handshakes().identified).toBe(1);
  });

  it('says which server it could not register /herald in', async () => {
    const unknownServer = parseConfig({ redis: { prefix: PREFIX }, discord: { token: emulator.token, apiBase: emulator.apiBase, guildId: '1300000000000000001' } });
    await expect(startDiscordBot({ config: unknownServer, services, logger: createLogger({ level: 'silent' }) })).rejects.toThrow(/could not register \/herald in server 1300000000000000001/);
  });
});

describe('Discord bot: slash commands change the store', () => {
  it('lets a member with Manage Server add a feed and subscribe a channel', async () => {
    feedServer.setFeed('/world.xml', rss('World Wire', [{ id: 'w1', title: 'Rivers rise' }]));
    const added = await herald(['feed', 'add'], { url: feedServer.url('/world.xml'), section: 'World' });
    expect(answer(added)).toContain('Added');
    const feed = await services.feeds.findByUrl(feedServer.url('/world.xml'));
    expect(feed).toMatchObject({ section: 'World', name: 'World Wire' });

    const subscribed = await herald(['subscribe'], { channel: defaultIds.text, time: '06:45', timezone: 'America/New_York' });
    expect(answer(subscribed)).toMatch(/Subscribed: #news/);
    expect(answer(subscribed)).toContain('/herald preview');
    const subscription = await subscriptionOf(defaultIds.text);
    expect(subscription).toMatchObject({
      destination: { platform: 'discord', chatId: defaultIds.text, channelKind: 'text' },
      schedule: { weekdays: ['06:45'], timezone: 'America/New_York' },
      active: true,
      createdBy: defaultIds.admin,
    });
    // The subscription's compose schedulers exist, so the briefing will come on its own.
    const schedulers = await composeQueue.getJobSchedulers();
    expect(schedulers.some((s) => s.template?.data?.subscriptionId === subscription!.id)).toBe(true);
  });

  it('refuses a member without Manage Server and changes nothing', async () => {
    feedServer.setFeed('/sneaky.xml', rss('Sneaky', [{ id: 's1', title: 'Nothing' }]));
    const feedsBefore = (await services.feeds.list()).length;
    const addAttempt = await herald(['feed', 'add'], { url: feedServer.url('/sneaky.xml') }, { userId: defaultIds.member });
    expect(answer(addAttempt)).toMatch(/only an administrator/i);
    // A refusal concerns only the member who asked: nobody else sees it.
    expect(final(addAttempt)?.ephemeral).toBe(true);
    const subscribeAttempt = await herald(['subscribe'], { channel: defaultIds.forum }, { userId: defaultIds.member });
    expect(answer(subscribeAttempt)).toMatch(/only an administrator/i);
    const unsubscribeAttempt = await herald(['unsubscribe'], { channel: defaultIds.text }, { userId: defaultIds.member });
    expect(answer(unsubscribeAttempt)).toMatch(/only an administrator/i);

    expect(await services.feeds.list()).toHaveLength(feedsBefore);
    expect(feedServer.requests.some((r) => r.path === '/sneaky.xml')).toBe(false);
    expect(await subscriptionOf(defaultIds.forum, 'forum')).toBeUndefined();
    expect(await subscriptionOf(defaultIds.text)).toMatchObject({ active: true });
  });

  it('checks Manage Server at run time, whatever the server opened the command to', async () => {
    // A server may let everyone see /herald (Integrations settings); the member's own permissions still decide.
    const everyone = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.UseApplicationCommands;
    const attempt = await herald(['schedule'], { time: '05:00', channel: defaultIds.text }, { userId: defaultIds.member, permissions: everyone });
    expect(answer(attempt)).toMatch(/only an administrator/i);
    expect((await subscriptionOf(defaultIds.text))?.schedule.weekdays).toEqual(['06:45']);
  });

  it("never reaches another server's channel, even with its id in the channel option", async () => {
    const theirs = await herald(['subscribe'], { channel: other.channel, time: '08:00' }, { guildId: other.guild, channelId: other.channel, userId: other.owner });
    expect(answer(theirs)).toMatch(/Subscribed: #elsewhere/);
    for (const subcommand of [['unsubscribe'], ['status'], ['export']]) {
      const attempt = await herald(subcommand, { channel: other.channel });
      expect(answer(attempt)).toMatch(/cannot see that channel in this server/);
      expect(final(attempt)?.files).toEqual([]);
    }
    expect(await subscriptionOf(other.channel)).toMatchObject({ active: true, schedule: { weekdays: ['08:00'] } });
  });

  it('lets anyone read: feed list and status answer a plain member', async () => {
    const list = await herald(['feed', 'list'], {}, { userId: defaultIds.member });
    expect(answer(list)).toContain('World Wire');
    // Web addresses stay clickable and do not unfold into link previews.
    expect(answer(list)).toContain(`<${feedServer.url('/world.xml')}>`);
  });

  it('names the missing permission when Herald cannot post in the channel, and subscribes nothing', async () => {
    const cases = [
      { channel: defaultIds.readOnly, missing: 'Send Messages' },
      { channel: defaultIds.noEmbeds, missing: 'Embed Links' },
      { channel: defaultIds.hidden, missing: 'View Channel' },
    ];
    for (const { channel, missing } of cases) {
      const responses = await herald(['subscribe'], { channel });
      expect(answer(responses)).toContain(missing);
      expect(answer(responses)).toMatch(/Herald cannot post in/);
      expect(await subscriptionOf(channel)).toBeUndefined();
    }
  });

  it('notices an overwrite changed after start-up (the cache follows CHANNEL_UPDATE)', async () => {
    emulator.setOverwrites(defaultIds.text, [{ id: defaultIds.botRole, kind: 'role', deny: PermissionFlagsBits.EmbedLinks }]);
    try {
      await expect.poll(async () => answer(await herald(['subscribe'], { channel: defaultIds.text, time: '06:45' })), { timeout: 10_000 }).toContain('Embed Links');
    } finally {
      emulator.setOverwrites(defaultIds.text, []);
    }
  });

  it('subscribes a forum channel as a forum (one post per briefing)', async () => {
    const responses = await herald(['subscribe'], { channel: defaultIds.forum });
    expect(answer(responses)).toMatch(/Subscribed: #briefings/);
    const subscription = await subscriptionOf(defaultIds.forum, 'forum');
    expect(subscription?.destination).toEqual({ platform: 'discord', chatId: defaultIds.forum, channelKind: 'forum' });
    // No time given: the configured default.
    expect(subscription?.schedule).toEqual({ weekdays: ['07:30'], timezone: 'Europe/Berlin' });
  });

  it('subscribes a thread inside its parent channel, so briefings go into the thread', async () => {
    const thread = (await bot.client.rest.post(Routes.threads(defaultIds.text), { body: { name: 'daily', type: ChannelType.PublicThread } })) as { id: string };
    const responses = await herald(['subscribe'], { channel: thread.id });
    expect(answer(responses)).toMatch(/Subscribed: #daily \(thread in #news\)/);
    const destination = { platform: 'discord' as const, chatId: defaultIds.text, threadId: thread.id, channelKind: 'text' as const };
    expect((await services.subscriptions.get(subscriptionIdFor(destination)))?.destination).toEqual(destination);
  });

  it('changes settings, mutes and schedule through their options, for the channel named or the current one', async () => {
    // French: a briefing language Herald has no reply catalogue for, so replies stay in the member's English.
    const settings = await herald(['settings'], { language: 'fr', bullets: 5, empty: 'nothing', channel: defaultIds.forum });
    expect(answer(settings)).toContain('bullets: 5');
    const muted = await herald(['mute'], { action: 'add', keyword: 'crypto*', channel: defaultIds.forum });
    expect(answer(muted)).toContain('Added "crypto*"');
    // No channel option: the channel the command was typed in (#news).
    const schedule = await herald(['schedule'], { weekdays: '07:00', weekends: '09:30' });
    expect(answer(schedule)).toMatch(/Schedule changed/);
    expect((await subscriptionOf(defaultIds.forum, 'forum'))?.settings).toMatchObject({ locale: 'fr', maxBullets: 5, whenEmpty: 'nothing', mutes: ['crypto*'] });
    expect((await subscriptionOf(defaultIds.text))?.schedule).toEqual({ weekdays: ['07:00'], weekends: ['09:30'], timezone: 'America/New_York' });
  });

  it('answers a wrong argument with what was wrong and an example', async () => {
    const responses = await herald(['schedule'], { time: '25:99' });
    expect(answer(responses)).toMatch(/not a time of day/);
    expect(answer(responses)).toMatch(/Example:/);
  });
});

describe('Discord bot: autocomplete, remove, export and import', () => {
  it('autocompletes the feeds of the target channel and removes the one chosen', async () => {
    feedServer.setFeed('/tech.xml', rss('Tech Wire', [{ id: 't1', title: 'Chips' }]));
    await herald(['feed', 'add'], { url: feedServer.url('/tech.xml'), section: 'Tech' });
    const all = await emulator.autocomplete({ command: 'herald', subcommand: ['feed', 'remove'], options: { feed: '' }, focused: 'feed' });
    expect(all).toEqual([
      { name: '1. World Wire', value: feedServer.url('/world.xml') },
      { name: '2. Tech Wire', value: feedServer.url('/tech.xml') },
    ]);
    const typed = await emulator.autocomplete({ command: 'herald', subcommand: ['feed', 'remove'], options: { feed: 'tech' }, focused: 'feed' });
    expect(typed.map((c) => c.name)).toEqual(['2. Tech Wire']);

    const removed = await herald(['feed', 'remove'], { feed: String(typed[0]?.value) });
    expect(answer(removed)).toMatch(/no longer follows Tech Wire/);
    expect((await subscriptionOf(defaultIds.text))?.feedIds).toEqual([(await services.feeds.findByUrl(feedServer.url('/world.xml')))!.id]);
    const after = await emulator.autocomplete({ command: 'herald', subcommand: ['feed', 'remove'], options: { feed: '' }, focused: 'feed' });
    expect(after.map((c) => c.name)).toEqual(['1. World Wire']);
  });

  it('deletes a feed from Herald for every channel only when an owner asks', async () => {
    feedServer.setFeed('/doomed.xml', rss('Doomed Wire', [{ id: 'd1', title: 'Soon gone' }]));
    await herald(['feed', 'add'], { url: feedServer.url('/doomed.xml'), channel: defaultIds.forum });
    const doomed = (await services.feeds.findByUrl(feedServer.url('/doomed.xml')))!;
    const byAdmin = await herald(['feed', 'remove'], { feed: doomed.url, everywhere: true, channel: defaultIds.forum });
    expect(answer(byAdmin)).toMatch(/Only a Herald owner/);
    expect(await services.feeds.get(doomed.id)).toBeDefined();
    const byOwner = await herald(['feed', 'remove'], { feed: doomed.url, everywhere: true, channel: defaultIds.forum }, { userId: defaultIds.owner });
    expect(answer(byOwner)).toMatch(/Removed Doomed Wire from Herald/);
    expect(await services.feeds.get(doomed.id)).toBeUndefined();
  });

  it('exports the followed feeds as an OPML attachment, privately', async () => {
    const reply = final(await herald(['export']));
    expect(reply?.ephemeral).toBe(true);
    expect(reply?.files.map((f) => f.name)).toEqual(['herald-feeds.opml']);
    expect(reply?.files[0]?.text).toContain(`xmlUrl="${feedServer.url('/world.xml')}"`);
    expect(reply?.files[0]?.text).not.toContain('/tech.xml');
  });

  it('imports an attached OPML file, downloaded from its attachment URL', async () => {
    feedServer.setFeed('/science.xml', rss('Science Wire', [{ id: 'x1', title: 'Stars' }]));
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body><outline text="Science"><outline type="rss" text="Science Wire" xmlUrl="${feedServer.url('/science.xml')}"/></outline></body></opml>`;
    feedServer.setFeed('/attachments/feeds.opml', opml, { contentType: 'text/x-opml' });
    const file = { attachment: { filename: 'feeds.opml', url: feedServer.url('/attachments/feeds.opml'), size: opml.length } };
    const responses = await herald(['import'], { file });
    expect(answer(responses)).toMatch(/Imported 1 feed/);
    expect(feedServer.requests.some((r) => r.path === '/attachments/feeds.opml')).toBe(true);
    expect(await services.feeds.findByUrl(feedServer.url('/science.xml'))).toMatchObject({ section: 'Science' });
    expect((await subscriptionOf(defaultIds.text))?.feedIds).toHaveLength(2);
  });

  it('says which file could not be read when the attachment cannot be downloaded', async () => {
    const file = { attachment: { filename: 'gone.opml', url: feedServer.url('/attachments/missing.opml'), size: 10 } };
    const responses = await herald(['import'], { file });
    expect(answer(responses)).toMatch(/^Could not read gone\.opml/);
    expect(final(responses)?.ephemeral).toBe(true);
  });
});

describe('Discord bot: slow commands', () => {
  it('defers privately when a command outlasts the 3-second window, then edits the answer in', async () => {
    slowFeedServer.setFeed('/slow.xml', rss('Slow Wire', [{ id: 'z1', title: 'Glaciers' }]));
    const responses = await herald(['feed', 'add'], { url: slowFeedServer.url('/slow.xml') });
    expect(responses[0]).toMatchObject({ kind: 'callback', type: 5, ephemeral: true });
    expect(responses[1]?.kind).toBe('edit-original');
    expect(answer(responses)).toContain('Slow Wire');
  });
});
