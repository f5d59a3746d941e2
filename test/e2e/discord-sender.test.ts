import fc from 'fast-check';
import { PermissionFlagsBits, type REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError, type DeliveryFailure, type Destination } from '../../src/platforms/delivery.js';
import { createDiscordRest } from '../../src/platforms/discord/client.js';
import { listPermissions, missingPermissions, REQUIRED_PERMISSIONS } from '../../src/platforms/discord/errors.js';
import { DiscordSender, FORUM_POST_NAME_LIMIT, forumPostName, messageNonce } from '../../src/platforms/discord/sender.js';
import type { Briefing } from '../../src/briefing/model.js';
import { type DiscordPart, renderDiscord } from '../../src/render/discord.js';
import { RedisRateLimiter } from '../../src/platforms/rate-limiter.js';
import { defaultIds, type DiscordEmulator, startDiscordEmulator } from '../emulators/discord-api.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const context = { index: 0, total: 1, title: 'Morning briefing — 2025-03-11' };
const text = (chatId: string, extra: Partial<Destination> = {}): Destination => ({ platform: 'discord', chatId, channelKind: 'text', ...extra });
const embedPart = (description: string): DiscordPart => ({ embeds: [{ title: '🌍 World', description }], allowed_mentions: { parse: [] } });

async function failureOf(promise: Promise<unknown>): Promise<DeliveryFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return (error as DeliveryError).failure;
}

describe('DiscordSender against the emulator', () => {
  let emulator: DiscordEmulator;
  let redis: TestRedis;
  let rest: REST;
  let sender: DiscordSender;
  let redisClient: ReturnType<TestRedis['client']>;

  beforeAll(async () => {
    [emulator, redis] = await Promise.all([startDiscordEmulator(), startRedis()]);
    redisClient = redis.client();
    rest = createDiscordRest({ token: emulator.token, apiBase: emulator.apiBase, owners: [] });
    sender = new DiscordSender({ rest, pacer: new RedisRateLimiter(redisClient, 'herald:ratelimit:') });
  });

  afterAll(async () => {
    await emulator?.close();
    await redis?.stop();
  });

  it('posts embeds to a text channel and returns the message id', async () => {
    const sent = await sender.send(text(defaultIds.text), embedPart('Markets rose.'), context);
    const [recorded] = emulator.messages(defaultIds.text);
    expect(sent).toEqual({ messageId: recorded?.id });
    expect(recorded?.embeds).toEqual([{ title: '🌍 World', description: 'Markets rose.' }]);
    // Paced through the shared Redis limiter: its global bucket holds this send.
    expect(await redisClient.zcard('herald:ratelimit:discord:global')).toBeGreaterThanOrEqual(1);
  });

  it('forces allowed_mentions.parse = [] whatever the part says, so @everyone and roles never ping', async () => {
    const loud = '@everyone look <@&123> and <@456> @here';
    await sender.send(text(defaultIds.text), { content: loud } as DiscordPart, context);
    await sender.send(text(defaultIds.text), { content: loud, allowed_mentions: { parse: ['everyone', 'roles'] } } as unknown as DiscordPart, context);
    for (const message of emulator.messages(defaultIds.text).slice(-2)) {
      expect(message.content).toBe(loud);
      expect(message.allowedMentions).toEqual({ parse: [] });
      expect(message.pings).toEqual({ everyone: false, users: [], roles: [] });
    }
  });

  it('delivers to a forum as one post named after the title, later parts inside it', async () => {
    const forum: Destination = { platform: 'discord', chatId: defaultIds.forum, channelKind: 'forum' };
    const first = await sender.send(forum, embedPart('part one'), { ...context, total: 3 });
    expect(first.threadId).toBeDefined();
    const inThread = { ...forum, threadId: first.threadId };
    const second = await sender.send(inThread, embedPart('part two'), { ...context, index: 1, total: 3 });
    const third = await sender.send(inThread, { content: 'part three', allowed_mentions: { parse: [] } }, { ...context, index: 2, total: 3 });
    expect([second.threadId, third.threadId]).toEqual([first.threadId, first.threadId]);
    expect(emulator.threads(defaultIds.forum)).toEqual([{ id: first.threadId, name: context.title }]);
    const posted = emulator.messages(first.threadId as string);
    expect(posted.map((m) => m.embeds[0]?.description ?? m.content)).toEqual(['part one', 'part two', 'part three']);
    expect(posted.map((m) => m.id)).toEqual([first.messageId, second.messageId, third.messageId]);
    expect(posted.every((m) => JSON.stringify(m.allowedMentions) === '{"parse":[]}')).toBe(true);
    expect(emulator.messages(defaultIds.forum)).toEqual([]);
  });

  it('refuses a later forum part without the thread id instead of opening a second post', async () => {
    const forum: Destination = { platform: 'discord', chatId: defaultIds.forum, channelKind: 'forum' };
    const before = emulator.threads(defaultIds.forum).length;
    await expect(sender.send(forum, embedPart('orphan'), { ...context, index: 1, total: 2 })).rejects.toThrow(/threadId/);
    expect(emulator.threads(defaultIds.forum)).toHaveLength(before);
  });

  it('posts into an existing thread of a text channel', async () => {
    const thread = (await rest.post(`/channels/${defaultIds.text}/threads`, { body: { name: 'daily', type: 11 } })) as { id: string };
    const sent = await sender.send(text(defaultIds.text, { threadId: thread.id }), embedPart('threaded'), context);
    expect(sent.threadId).toBe(thread.id);
    expect(emulator.messages(thread.id).map((m) => m.id)).toEqual([sent.messageId]);
  });

  it("delivers every part the renderer makes of a large briefing, within Discord's limits and pinging no one", async () => {
    const noisy = 'Breaking: @everyone <@&123> **bold** claims, <@456> says 🦊 "markets" __rise__ @here and [a link](https://x.example).';
    const briefing: Briefing = {
      title: 'Morning briefing @everyone',
      date: '2025-03-11',
      timezone: 'UTC',
      sections: ['World', 'Tech', 'Markets'].map((title, s) => ({
        title: `${title} <@&999>`,
        emoji: '🌍',
        bullets: Array.from({ length: 30 }, (_, b) => ({
          emoji: '🔸',
          headline: `Story ${s}-${b} @everyone`,
          summary: `${noisy} ${'More detail follows here. '.repeat(b % 7)}`,
          sources: [{ name: 'Wire', url: `https://wire.example/${s}/${b}` }],
          items: [`https://wire.example/${s}/${b}`],
        })),
      })),
      stats: { itemsIn: 90, duplicatesDropped: 0, stories: 90 },
    };
    const refused = () => emulator.requests().filter((request) => request.status === 429).length;
    const refusedBefore = refused();
    for (const style of ['embeds', 'content'] as const) {
      const parts = renderDiscord(briefing, { style });
      expect(parts.length).toBeGreaterThan(1);
      const channel = style === 'embeds' ? defaultIds.text : defaultIds.noEmbeds;
      const before = emulator.messages(channel).length;
      for (const [index, part] of parts.entries()) await sender.send(text(channel), part, { index, total: parts.length, title: briefing.title });
      const delivered = emulator.messages(channel).slice(before);
      expect(delivered).toHaveLength(parts.length);
      expect(delivered.every((m) => m.pings.everyone === false && m.pings.roles.length === 0 && m.pings.users.length === 0)).toBe(true);
    }
    // More than 5 parts into one channel: paced to Discord's 5 per 5 s there, none refused by the emulator.
    expect(refused()).toBe(refusedBefore);
  });

  it('maps Missing Access, Missing Permissions and Unknown Channel to permanent failures that say what is wrong', async () => {
    expect(await failureOf(sender.send(text(defaultIds.hidden), embedPart('x'), context))).toMatchObject({ kind: 'permanent', scope: 'destination', reason: expect.stringMatching(/Missing Access.*View Channel/) });
    expect(await failureOf(sender.send(text(defaultIds.readOnly), embedPart('x'), context))).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/Missing Permissions.*Send Messages/) });
    expect(await failureOf(sender.send(text(defaultIds.noEmbeds), embedPart('x'), context))).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('Embed Links') });
    expect(await failureOf(sender.send(text('1234567890123'), embedPart('x'), context))).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('Unknown Channel') });
    expect(await failureOf(sender.send(text(defaultIds.forum), embedPart('x'), context))).toMatchObject({ kind: 'permanent', scope: 'destination', reason: expect.stringContaining('forum subscribed as a text channel') });
    emulator.failChannel(defaultIds.text, 'missing-access', 1);
    expect(await failureOf(sender.send(text(defaultIds.text), embedPart('x'), context))).toMatchObject({ kind: 'permanent', scope: 'destination' });
  });

  it('names the forum permission when a forum refuses the post', async () => {
    emulator.failChannel(defaultIds.forum, 'missing-permissions', 1);
    const forum: Destination = { platform: 'discord', chatId: defaultIds.forum, channelKind: 'forum' };
    expect(await failureOf(sender.send(forum, embedPart('x'), context))).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('Create Posts') });
  });

  it('refuses only the part when Discord rejects the body (a renderer bug), keeping the destination', async () => {
    const failure = await failureOf(sender.send(text(defaultIds.text), { content: 'x'.repeat(2001), allowed_mentions: { parse: [] } }, context));
    expect(failure).toMatchObject({ kind: 'permanent', scope: 'part', reason: expect.stringContaining('BASE_TYPE_MAX_LENGTH') });
  });

  it('waits out a 429 with retry_after and delivers exactly once', async () => {
    const before = emulator.messages(defaultIds.text).length;
    emulator.rateLimitNext(defaultIds.text, { retryAfterMs: 200 });
    await sender.send(text(defaultIds.text), embedPart('after a rate limit'), context);
    const after = emulator.messages(defaultIds.text);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)?.embeds[0]?.description).toBe('after a rate limit');
    expect(emulator.requests().filter((r) => r.path === `/channels/${defaultIds.text}/messages`).slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });

  it('sends each part with a nonce from its idempotency key, so a part sent again returns the message already posted', async () => {
    const before = emulator.messages(defaultIds.text).length;
    const keyed = { ...context, idempotencyKey: 'briefing-7-discord/123:0' };
    const first = await sender.send(text(defaultIds.text), embedPart('sent once'), keyed);
    const again = await sender.send(text(defaultIds.text), embedPart('sent once'), keyed);
    expect(again).toEqual(first);
    const posted = emulator.messages(defaultIds.text).slice(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body).toMatchObject({ nonce: messageNonce('briefing-7-discord/123:0'), enforce_nonce: true });
    expect(messageNonce('briefing-7-discord/123:0')).toHaveLength(25);
    expect(messageNonce('briefing-7-discord/123:1')).not.toBe(messageNonce('briefing-7-discord/123:0'));
  });

  it('retries one 500 by itself and reports a persistent 5xx as transient', async () => {
    emulator.failChannel(defaultIds.text, 'server-error', 1);
    await sender.send(text(defaultIds.text), embedPart('after one 500'), context);
    expect(emulator.messages(defaultIds.text).at(-1)?.embeds[0]?.description).toBe('after one 500');
    emulator.failChannel(defaultIds.text, 'server-error');
    try {
      expect(await failureOf(sender.send(text(defaultIds.text), embedPart('x'), context))).toMatchObject({ kind: 'transient' });
    } finally {
      emulator.failChannel(defaultIds.text, undefined);
    }
  });

  it('gives a long rate limit back to the job as transient with retryAfterMs, sending nothing', async () => {
    const impatient = new DiscordSender({ rest: createDiscordRest({ token: emulator.token, apiBase: emulator.apiBase, owners: [] }, { maxRateLimitWaitMs: 1000 }) });
    const before = emulator.messages(defaultIds.text).length;
    emulator.rateLimitNext(defaultIds.text, { retryAfterMs: 60_000, global: true });
    const failure = await failureOf(impatient.send(text(defaultIds.text), embedPart('x'), context));
    expect(failure.kind).toBe('transient');
    expect(failure.kind === 'transient' && failure.retryAfterMs).toBeGreaterThanOrEqual(60_000);
    expect(emulator.messages(defaultIds.text)).toHaveLength(before);
  });

  it('treats a rejected token and an unreachable Discord as transient, never deactivating anyone', async () => {
    const wrongToken = new DiscordSender({ rest: createDiscordRest({ token: 'not-the-token', apiBase: emulator.apiBase, owners: [] }) });
    expect(await failureOf(wrongToken.send(text(defaultIds.text), embedPart('x'), context))).toMatchObject({ kind: 'transient', reason: expect.stringContaining('token') });
    const nowhere = new DiscordSender({ rest: createDiscordRest({ token: 't', apiBase: 'http://127.0.0.1:1/api', owners: [] }, { timeoutMs: 5000 }) });
    expect(await failureOf(nowhere.send(text(defaultIds.text), embedPart('x'), context))).toMatchObject({ kind: 'transient' });
  });
});

describe('forumPostName', () => {
  it('keeps short titles and cuts long ones to 100 characters between graphemes, with an ellipsis', () => {
    expect(forumPostName('Morning briefing — 2025-03-11')).toBe('Morning briefing — 2025-03-11');
    expect(forumPostName('  two\nlines  ')).toBe('two lines');
    expect(forumPostName('   ')).toBe('Briefing');
    const cut = forumPostName('👨‍👩‍👧 '.repeat(40));
    expect(cut.endsWith('👨‍👩‍👧…')).toBe(true);
  });

  it('always yields one non-empty line of at most 100 code points that starts the (normalized) title', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (title) => {
        const name = forumPostName(title);
        const chars = [...name];
        expect(chars.length).toBeGreaterThan(0);
        expect(chars.length).toBeLessThanOrEqual(FORUM_POST_NAME_LIMIT);
        expect(name).not.toMatch(/\n/);
        const normalized = title.replace(/\s+/g, ' ').trim();
        if (normalized) expect(normalized.startsWith(name.replace(/…$/, ''))).toBe(true);
        // No lone surrogate: the cut never lands inside a character.
        expect(name).not.toMatch(/\p{Cs}/u);
      }),
    );
  });
});

describe('missingPermissions', () => {
  it('names exactly what a channel lacks for each kind of send', () => {
    const all = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.SendMessagesInThreads | PermissionFlagsBits.EmbedLinks;
    expect(missingPermissions(all, 'message')).toEqual([]);
    expect(missingPermissions(all & ~PermissionFlagsBits.EmbedLinks, 'message')).toEqual(['Embed Links']);
    expect(missingPermissions(PermissionFlagsBits.ViewChannel, 'forum-post')).toEqual(['Send Messages (Create Posts)', 'Embed Links']);
    expect(missingPermissions(all & ~PermissionFlagsBits.SendMessagesInThreads, 'thread-message')).toEqual(['Send Messages in Threads']);
    expect(listPermissions(missingPermissions(0n, 'message'))).toBe('View Channel, Send Messages and Embed Links');
  });

  it('reports a permission missing exactly when its bit is absent', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 50n) - 1n }), fc.constantFrom('message', 'forum-post', 'thread-message' as const), (granted, action) => {
        const missing = missingPermissions(granted, action);
        for (const { flag, name } of REQUIRED_PERMISSIONS[action]) expect(missing.includes(name)).toBe((granted & flag) === 0n);
      }),
    );
  });
});
