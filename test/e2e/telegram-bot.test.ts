/**
 * Herald's Telegram bot end to end: real grammY (long polling through @grammyjs/runner) against
 * the Bot API emulator, real Redis, the real poll/compose/deliver workers and a local feed server.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandServices } from '../../src/commands/services.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import type { Destination } from '../../src/platforms/delivery.js';
import { startTelegramBot, type TelegramBotHandle } from '../../src/platforms/telegram/bot.js';
import { createLogger } from '../../src/log.js';
import { createKeys } from '../../src/store/keys.js';
import type { RunningWorkers } from '../../src/runtime/workers.js';
import { TelegramTransport } from '../../src/platforms/telegram/transport.js';
import { COMPOSE_JOB_NAME } from '../../src/queue/compose-jobs.js';
import { deliveryJobId } from '../../src/queue/deliver-jobs.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { subscriptionIdFor } from '../../src/store/subscriptions.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import type { FeedServer } from '../emulators/feed-server.js';
import { type SentMessageRecord, type TelegramEmulator, type UserMessageInput } from '../emulators/telegram-bot-api.js';
import { saveTestBriefing } from '../support/delivery-rig.js';
import { startTelegramBotRig, type TelegramBotRig } from '../support/telegram-bot-rig.js';
import { freePort } from '../support/redis.js';

const PREFIX = 'tgbot';
const TOKEN = '777001:herald-e2e-token';
const ADMIN = 5;
const MEMBER = 6;
const OWNER = 900;
const FORUM = -1001;
const WAIT = { timeout: 30_000, interval: 50 };

let emulator: TelegramEmulator;
let feedServer: FeedServer;
let redis: Redis;
let config: HeraldConfig;
let services: CommandServices;
let rig: TelegramBotRig;
let workers: RunningWorkers;
let bot: TelegramBotHandle;
let transport: TelegramTransport;

/** Thirty unrelated stories with long summaries: more than one Telegram message of briefing. */
function longFeed(): string {
  const items = Array.from({ length: 30 }, (_, i) => {
    const words = Array.from({ length: 40 }, (_, w) => `w${i}x${w}`).join(' ');
    return `<item><title>Story ${i} about topic${i}</title><link>https://news.example/${i}</link><guid>story-${i}</guid><pubDate>${new Date(Date.now() - (i + 1) * 60_000).toUTCString()}</pubDate><description>Lead sentence of story ${i} says ${words}. Second sentence of story ${i} adds more. Third one.</description></item>`;
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire &amp; Co</title><link>https://news.example/</link>${items.join('')}</channel></rss>`;
}

const telegram = (chatId: number, extra: Partial<Destination> = {}): Destination => ({ platform: 'telegram', chatId: String(chatId), ...extra });
const subscriptionAt = (destination: Destination) => services.subscriptions.get(subscriptionIdFor(destination));

/** A user writes in a chat; resolves with the messages Herald sent there in answer (at least `count`). */
async function say(input: UserMessageInput, count = 1): Promise<SentMessageRecord[]> {
  const inChat = () => emulator.messages(input.chatId).filter((m) => m.threadId === input.threadId);
  const before = inChat().length;
  emulator.userMessage(input);
  await expect.poll(() => inChat().length, WAIT).toBeGreaterThanOrEqual(before + count);
  return inChat().slice(before);
}

async function replyText(input: UserMessageInput): Promise<string> {
  const [reply] = await say(input);
  return reply!.plainText;
}

/** Makes a subscription's briefing due now, as its scheduler would, and waits until its delivery job has finished. */
async function composeAndDeliver(subscription: Pick<Subscription, 'id'> | undefined): Promise<void> {
  const finished = async () => (await workers.queues.deliver.getJobCounts('completed')).completed ?? 0;
  const before = await finished();
  await workers.queues.compose.add(COMPOSE_JOB_NAME, { subscriptionId: subscription!.id });
  await expect.poll(finished, WAIT).toBeGreaterThan(before);
}

beforeAll(async () => {
  rig = await startTelegramBotRig({ prefix: PREFIX, token: TOKEN, owners: [OWNER] });
  ({ emulator, feedServer, redis, config, transport, workers, services, bot } = rig);
  feedServer.setFeed('/wire.xml', longFeed());
  feedServer.setRoute('/wire', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/wire.xml"></head><body></body></html>`);
  });
  emulator.addChat({ id: FORUM, type: 'supergroup', title: 'Newsroom <HQ>', isForum: true, topics: [7], admins: [ADMIN] });
}, 60_000);

afterAll(() => rig?.stop(), 60_000);

describe('Telegram bot: start', () => {
  it('publishes every command with a description', () => {
    const menu = emulator.commands();
    expect(menu.map((c) => c.command)).toEqual(['start', 'help', 'subscribe', 'unsubscribe', 'feeds', 'addfeed', 'removefeed', 'schedule', 'settings', 'mute', 'boost', 'preview', 'status', 'export', 'import', 'retry']);
    expect(menu.every((c) => c.description.length >= 3)).toBe(true);
  });

  it('publishes the menu in Japanese and German for apps set to them, same commands in the same order', () => {
    const japanese = emulator.commands({ type: 'default' }, 'ja');
    expect(japanese.map((c) => c.command)).toEqual(emulator.commands().map((c) => c.command));
    expect(japanese.find((c) => c.command === 'unsubscribe')?.description).toBe('ここへのまとめの配信を止める');
    expect(emulator.commands({ type: 'default' }, 'de').find((c) => c.command === 'unsubscribe')?.description).toBe('Die Überblicke hier beenden');
  });

  it('answers /start in a private chat with the commands', async () => {
    expect(await replyText({ chatId: 31, text: '/start' })).toMatch(/^Herald sends a daily news briefing\. Commands:\n• \/help: /);
  });
});

describe('Telegram bot: a forum group run by its admin', () => {
  const topic = telegram(FORUM, { threadId: '7', channelKind: 'supergroup' });

  it('an admin adds a feed from its web page, in the topic', async () => {
    const reply = await replyText({ chatId: FORUM, from: ADMIN, threadId: 7, text: `/addfeed ${feedServer.url('/wire')} World` });
    expect(reply).toMatch(/^Found http:\/\/127\.0\.0\.1:\d+\/wire\.xml on that page\. Added: Wire & Co \(30 items now, section World/);
    const feed = await services.feeds.findByUrl(feedServer.url('/wire.xml'));
    // The poll worker reads it at once (requested by addfeed), not at the next interval.
    await expect.poll(async () => (await services.feeds.getState(feed!.id)).lastSuccessAt, WAIT).toBeDefined();
  });

  it('an admin subscribes the topic; the subscription posts into that topic', async () => {
    const reply = await replyText({ chatId: FORUM, from: ADMIN, threadId: 7, text: '/subscribe@herald_bot 07:30 Europe/Berlin' });
    expect(reply).toBe('Subscribed: this topic of "Newsroom <HQ>" gets its briefing at 07:30 (Europe/Berlin).\nTry /preview to see it now.');
    expect(await subscriptionAt(topic)).toMatchObject({ destination: topic, schedule: { weekdays: ['07:30'], timezone: 'Europe/Berlin' }, createdBy: String(ADMIN) });
    expect(await replyText({ chatId: FORUM, from: ADMIN, threadId: 7, text: '/settings bullets=30' })).toMatch(/• bullets: 30/);
  });

  it('a member\'s change is refused politely and nothing changes', async () => {
    const before = await subscriptionAt(topic);
    const feedsBefore = await services.feeds.list();
    expect(await replyText({ chatId: FORUM, from: MEMBER, threadId: 7, text: '/schedule 05:00' })).toMatch(/^Sorry, only an administrator of this topic of "Newsroom <HQ>" can change its briefing/);
    expect(await replyText({ chatId: FORUM, from: MEMBER, threadId: 7, text: '/unsubscribe' })).toMatch(/only an administrator/);
    expect(await replyText({ chatId: FORUM, from: MEMBER, threadId: 7, text: `/removefeed 1` })).toMatch(/only an administrator/);
    expect(await subscriptionAt(topic)).toEqual(before);
    expect(await services.feeds.list()).toEqual(feedsBefore);
    // Reading is open to members.
    expect(await replyText({ chatId: FORUM, from: MEMBER, threadId: 7, text: '/feeds' })).toMatch(/• 1\. Wire & Co \(World, every 15 min\)/);
  });

  it('previews in the topic, split into messages within the limits, without counting it as sent', async () => {
    const messages = await say({ chatId: FORUM, from: ADMIN, threadId: 7, text: '/preview' }, 3);
    expect(messages[0]!.plainText).toBe('Preview for this topic of "Newsroom <HQ>" (not counted as sent):');
    const parts = messages.slice(1);
    expect(parts.every((m) => m.threadId === 7 && m.parseMode === 'HTML' && m.plainText.length <= 4096)).toBe(true);
    expect(parts.map((m) => m.plainText).join('\n')).toMatch(/Story 0 about topic0[\s\S]*Story 29 about topic29/);
    expect((await subscriptionAt(topic))?.lastWindowEnd).toBeUndefined();
  });

  it('delivers the scheduled briefing into the topic, every part once, in order', async () => {
    const before = emulator.messages(FORUM).length;
    await composeAndDeliver(await subscriptionAt(topic));
    expect((await subscriptionAt(topic))?.lastWindowEnd).toBeDefined();
    const delivered = emulator.messages(FORUM).slice(before);
    expect(delivered.length).toBeGreaterThan(1);
    expect(delivered[0]!.plainText).toMatch(/^News briefing/);
    expect(delivered.every((m) => m.threadId === 7 && m.plainText.length <= 4096)).toBe(true);
    const text = delivered.map((m) => m.plainText).join('\n');
    for (let i = 0; i < 30; i += 1) expect(text.match(new RegExp(`Story ${i} about topic${i}(?!\\d)`, 'g'))).toHaveLength(1);
  });

  it('an anonymous admin (posting as the group) may manage it', async () => {
    expect(await replyText({ chatId: FORUM, from: 'anonymous-admin', text: '/subscribe 06:00' })).toMatch(/^Subscribed: "Newsroom <HQ>" gets its briefing at 06:00/);
    expect(await subscriptionAt(telegram(FORUM, { channelKind: 'supergroup' }))).toMatchObject({ active: true, createdBy: String(FORUM) });
  });
});

describe('Telegram bot: a channel managed from a private chat', () => {
  beforeAll(() => {
    emulator.addChat({ id: -1002, type: 'channel', title: 'Daily', username: 'dailynews', admins: [ADMIN] });
    emulator.addChat({ id: -1003, type: 'channel', title: 'Mute Channel', username: 'nopostchan', admins: [ADMIN], botCanPost: false });
  });

  it('subscribes the channel its admin names', async () => {
    expect(await replyText({ chatId: ADMIN, text: '/subscribe @dailynews 08:15 Asia/Tokyo' })).toBe('Subscribed: @dailynews gets its briefing at 08:15 (Asia/Tokyo).\nTry /preview to see it now.');
    expect(await subscriptionAt(telegram(-1002, { channelKind: 'channel' }))).toMatchObject({ schedule: { weekdays: ['08:15'], timezone: 'Asia/Tokyo' } });
    expect(await replyText({ chatId: ADMIN, text: '/status @dailynews' })).toMatch(/^Briefings at 08:15 \(Asia\/Tokyo\)\./);
  });

  it('refuses a user who does not administer the channel, and changes nothing', async () => {
    expect(await replyText({ chatId: MEMBER, text: '/unsubscribe @dailynews' })).toMatch(/^Sorry, only an administrator of @dailynews/);
    expect(await subscriptionAt(telegram(-1002, { channelKind: 'channel' }))).toMatchObject({ active: true });
  });

  it('explains when Herald cannot post in the channel, or cannot see it at all', async () => {
    expect(await replyText({ chatId: ADMIN, text: '/subscribe @nopostchan' })).toBe(
      'Herald cannot post in @nopostchan: Herald is not an administrator of the channel. Add it as an administrator with the "Post messages" right.',
    );
    expect(await subscriptionAt(telegram(-1003, { channelKind: 'channel' }))).toBeUndefined();
    expect(await replyText({ chatId: ADMIN, text: '/subscribe @nosuchchannel' })).toMatch(/^Herald cannot see @nosuchchannel\. Add Herald to it first/);
  });

  it('explains when Herald is restricted in a group', async () => {
    emulator.addChat({ id: -1005, type: 'supergroup', title: 'Quiet', admins: [ADMIN], botCanPost: false });
    expect(await replyText({ chatId: ADMIN, text: '/subscribe -1005' })).toBe('Herald cannot post in "Quiet": Herald is restricted and may not send messages. Lift the restriction in the group settings.');
    expect(await subscriptionAt(telegram(-1005, { channelKind: 'supergroup' }))).toBeUndefined();
  });
});

describe('Telegram bot: bad arguments, HTML and files', () => {
  it('says what was wrong with an example, escaped as HTML', async () => {
    expect(await replyText({ chatId: 32, text: '/subscrbe 07:30' })).toBe('There is no command "subscrbe". Did you mean /subscribe?\nExample: /subscribe 07:30 Europe/Berlin');
    expect(await replyText({ chatId: 32, text: '/subscribe 25:00' })).toBe('"25:00" is not a time of day: use HH:MM on the 24-hour clock.\nExample: /subscribe 07:30 Europe/Berlin');
    expect(await replyText({ chatId: 32, text: '/addfeed notaurl' })).toMatch(/^"notaurl" is not a web address[\s\S]*\nExample: \/addfeed https:\/\/example\.com\/feed\.xml World 30$/);
    expect(await replyText({ chatId: 32, text: '/subscribe' })).toMatch(/^Subscribed/);
    expect(await replyText({ chatId: 32, text: '/mute add <b>&amp;' })).toBe('Added "<b>&amp;". Stories mentioning these are left out: <b>&amp;.');
    expect(await replyText({ chatId: 32, text: '/settings colour=red' })).toMatch(/^There is no setting "colour"[\s\S]*Example: \/settings language=de/);
  });

  it('waits out a 429 on a reply and answers once', async () => {
    emulator.addChat({ id: 34, type: 'private' });
    emulator.failChat(34, 'too-many-requests', { retryAfterSeconds: 1, times: 1 });
    const refusedBefore = emulator.stats.tooManyRequests;
    expect(await replyText({ chatId: 34, text: '/help feeds' })).toMatch(/^\/feeds: /);
    expect(emulator.stats.tooManyRequests).toBe(refusedBefore + 1);
    expect(emulator.messages(34)).toHaveLength(1);
  });

  it('exports OPML as a document and imports one sent in reply', async () => {
    const [exported, file] = await say({ chatId: 33, text: '/export' }, 2);
    expect(exported!.plainText).toMatch(/^\d+ feeds? as OPML\.$/);
    expect(file!.document?.fileName).toBe('herald-feeds.opml');
    expect(file!.document?.content.toString('utf8')).toContain(`xmlUrl="${feedServer.url('/wire.xml')}"`);
    feedServer.setFeed('/extra.xml', longFeed());
    const opml = `<?xml version="1.0"?><opml version="2.0"><body><outline text="Extra" xmlUrl="${feedServer.url('/extra.xml')}"/></body></opml>`;
    const { messageId } = emulator.userMessage({ chatId: 33, document: { fileName: 'mine.opml', content: opml } });
    expect(await replyText({ chatId: 33, text: '/import', replyToMessageId: messageId })).toMatch(/^Imported 1 feed \(1 new to Herald, 0 already known\)/);
    expect(await services.feeds.findByUrl(feedServer.url('/extra.xml'))).toBeDefined();
  });
});

describe('Telegram bot: delivery problems', () => {
  it('deactivates the subscription of a chat that blocked Herald, and says why in /status', async () => {
    expect(await replyText({ chatId: 41, text: '/subscribe' })).toMatch(/^Subscribed/);
    emulator.failChat(41, 'blocked');
    await composeAndDeliver(await subscriptionAt(telegram(41, { channelKind: 'private' })));
    expect((await subscriptionAt(telegram(41, { channelKind: 'private' })))?.active).toBe(false);
    expect((await subscriptionAt(telegram(41, { channelKind: 'private' })))?.inactiveReason).toMatch(/blocked/);
    emulator.restoreChat(41);
    expect(await replyText({ chatId: 41, text: '/status' })).toMatch(/⛔ Stopped: .*blocked/);
  });

  it('follows a group that became a supergroup', async () => {
    emulator.addChat({ id: -4242, type: 'group', title: 'Old group', admins: [ADMIN] });
    expect(await replyText({ chatId: -4242, from: ADMIN, text: '/subscribe' })).toMatch(/^Subscribed/);
    emulator.failChat(-4242, 'migrated', { migrateToChatId: -1004242 });
    await composeAndDeliver(await subscriptionAt(telegram(-4242, { channelKind: 'group' })));
    expect(await subscriptionAt(telegram(-1004242, { channelKind: 'supergroup' }))).toMatchObject({ active: true });
    expect(emulator.messages(-1004242).map((m) => m.plainText).join('\n')).toMatch(/^News briefing[\s\S]*Story \d+ about topic/);
    expect(await subscriptionAt(telegram(-4242, { channelKind: 'group' }))).toBeUndefined();
  });

  it('waits out a 429 and delivers every part exactly once', async () => {
    expect(await replyText({ chatId: 43, text: '/subscribe' })).toMatch(/^Subscribed/);
    const before = emulator.messages(43).length;
    const refusedBefore = emulator.stats.tooManyRequests;
    emulator.failChat(43, 'too-many-requests', { retryAfterSeconds: 1, times: 1 });
    await composeAndDeliver(await subscriptionAt(telegram(43, { channelKind: 'private' })));
    const texts = emulator.messages(43).slice(before).map((m) => m.plainText);
    expect(emulator.stats.tooManyRequests).toBe(refusedBefore + 1);
    expect(texts[0]).toMatch(/^News briefing/);
    expect(texts.join('\n')).toMatch(/Story \d+ about topic/);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('an owner sends a failed delivery again with /retry, and it arrives; anyone else is refused', async () => {
    expect(await replyText({ chatId: 44, text: '/subscribe' })).toMatch(/^Subscribed/);
    const subscription = await subscriptionAt(telegram(44, { channelKind: 'private' }));
    const keys = createKeys(PREFIX);
    await saveTestBriefing(new BriefingStore(redis, keys), 'failed1');
    const id = deliveryJobId('failed1', subscription!.id);
    await new DeliveryStore(redis, keys).addDeadLetter({ id, briefingId: 'failed1', subscriptionId: subscription!.id, reason: '502 Bad Gateway', attempts: 8, failedAt: new Date().toISOString() });
    expect(await replyText({ chatId: 44, text: `/retry ${id}` })).toBe('Sorry, only a Herald owner can use /retry.');
    expect(await replyText({ chatId: OWNER, text: '/status' })).toContain(`– ${id}: 502 Bad Gateway`);
    expect(await replyText({ chatId: OWNER, text: `/retry ${id}` })).toBe(`${id} is queued again; only the parts that never went out are sent.`);
    const delivered = () => emulator.messages(44).map((message) => message.plainText).filter((text) => text.endsWith('of failed1'));
    await expect.poll(delivered, WAIT).toHaveLength(3);
    expect(delivered()).toEqual(['Part 1/3 of failed1', 'Part 2/3 of failed1', 'Part 3/3 of failed1']);
  });
});

describe('Telegram bot: webhook mode', () => {
  it('receives updates on its webhook and rejects posts without the secret', async () => {
    await bot.stop();
    const port = await freePort();
    const webhookConfig = { ...config, telegram: { ...config.telegram, webhook: { url: `http://127.0.0.1:${port}/telegram-hook`, secret: 's3cret_token', port, host: '127.0.0.1' } } };
    bot = await startTelegramBot({ config: webhookConfig, services, logger: createLogger({ level: 'silent' }), transport });
    expect(emulator.webhook()).toEqual({ url: `http://127.0.0.1:${port}/telegram-hook`, secretToken: 's3cret_token' });
    expect(await replyText({ chatId: 51, text: '/help status' })).toMatch(/^\/status: Feed health/);
    const forged = { update_id: 999_999, message: { message_id: 1, date: 0, chat: { id: 52, type: 'private', first_name: 'X' }, from: { id: 52, is_bot: false, first_name: 'X' }, text: '/unsubscribe' } };
    const post = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/telegram-hook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(forged) });
    expect((await post({})).status).toBe(401);
    expect((await post({ 'x-telegram-bot-api-secret-token': 'wrong' })).status).toBe(401);
    expect(emulator.messages(52)).toEqual([]);
  });
});
