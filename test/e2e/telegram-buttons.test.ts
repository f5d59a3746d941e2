/**
 * Herald's Telegram screens driven by buttons: real grammY against the Bot API emulator (which
 * sends callback_query updates and records answers and edits), real Redis and workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandServices } from '../../src/commands/services.js';
import type { Destination } from '../../src/platforms/delivery.js';
import { subscriptionIdFor } from '../../src/store/subscriptions.js';
import type { FeedServer } from '../emulators/feed-server.js';
import { type ButtonPress, type SentMessageRecord, type TelegramEmulator, type UserMessageInput } from '../emulators/telegram-bot-api.js';
import { startTelegramBotRig, type TelegramBotRig } from '../support/telegram-bot-rig.js';

const PREFIX = 'tgbuttons';
const TOKEN = '777002:herald-buttons-token';
const ADMIN = 5;
const MEMBER = 6;
/**
 * One group per flow: each press costs an edit, and Telegram (so Herald's limiter) allows a
 * group 20 messages a minute; separate groups keep the flows from waiting on each other.
 */
const GROUP = -2001;
const SCHEDULE_GROUP = -2002;
const FEEDS_GROUP = -2003;
const WAIT = { timeout: 60_000, interval: 50 };
const FLOW_TIMEOUT = 180_000;

let emulator: TelegramEmulator;
let feedServer: FeedServer;
let services: CommandServices;
let rig: TelegramBotRig;

function rss(title: string, count: number): string {
  const items = Array.from({ length: count }, (_, i) => `<item><title>${title} story ${i} about topic${i}</title><link>https://news.example/${encodeURIComponent(title)}/${i}</link><guid>${title}-${i}</guid><pubDate>${new Date(Date.now() - (i + 1) * 60_000).toUTCString()}</pubDate><description>What happened in ${title} story ${i}. More about topic${i}.</description></item>`);
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><link>https://news.example/</link>${items.join('')}</channel></rss>`;
}

const group = (chatId = GROUP): Destination => ({ platform: 'telegram', chatId: String(chatId), channelKind: 'supergroup' });
const subscriptionOf = (destination: Destination) => services.subscriptions.get(subscriptionIdFor(destination));

/** A user writes in a chat; resolves with the messages Herald sent there in answer (at least `count`). */
async function say(input: UserMessageInput, count = 1): Promise<SentMessageRecord[]> {
  const before = emulator.messages(input.chatId).length;
  emulator.userMessage(input);
  await expect.poll(() => emulator.messages(input.chatId).length, WAIT).toBeGreaterThanOrEqual(before + count);
  return emulator.messages(input.chatId).slice(before);
}

/** The message as it stands now (after edits). */
const current = (chatId: number, messageId: number) => emulator.messages(chatId).find((m) => m.messageId === messageId)!;

/**
 * Presses a button and waits for Herald's answer to the press and, unless `edits` is false (a
 * press that only answers), for the message's edit; resolves with the answer and the message as it then stands.
 */
async function press(input: ButtonPress, { edits: edited = true } = {}): Promise<{ notice?: string; message: SentMessageRecord }> {
  const edits = current(input.chatId, input.messageId).edits;
  const { callbackQueryId } = emulator.pressButton(input);
  await expect.poll(() => emulator.callbackAnswer(callbackQueryId), WAIT).toBeDefined();
  const answer = emulator.callbackAnswer(callbackQueryId)!;
  if (edited) await expect.poll(() => current(input.chatId, input.messageId).edits, WAIT).toBeGreaterThan(edits);
  return { ...(answer.text !== undefined ? { notice: answer.text } : {}), message: current(input.chatId, input.messageId) };
}

const labels = (message: SentMessageRecord) => (message.keyboard ?? []).flat().map((b) => b.text);

beforeAll(async () => {
  rig = await startTelegramBotRig({ prefix: PREFIX, token: TOKEN });
  ({ emulator, feedServer, services } = rig);
  for (const name of ['alpha', 'beta', 'gamma', 'delta', 'epsilon']) feedServer.setFeed(`/${name}.xml`, rss(name, 3));
  for (const id of [GROUP, SCHEDULE_GROUP, FEEDS_GROUP]) emulator.addChat({ id, type: 'supergroup', title: 'Newsroom', admins: [ADMIN] });
}, 60_000);

afterAll(() => rig?.stop(), 60_000);

describe('Telegram buttons in a group', () => {
  it('/settings shows a button per setting; the bullet picker and the switches change them', async () => {
    await say({ chatId: GROUP, from: ADMIN, text: '/subscribe' });
    const [screen] = await say({ chatId: GROUP, from: ADMIN, text: '/settings' });
    expect(screen!.plainText).toMatch(/^Settings of "Newsroom":\n• language: en\n/);
    expect(labels(screen!)).toEqual(['🗣 Language: English', '• Bullets: 12', 'Empty day: say so', 'Link previews: off']);
    const picker = await press({ chatId: GROUP, messageId: screen!.messageId, from: ADMIN, button: '• Bullets: 12' });
    expect(picker.message.plainText).toBe('Most bullets in one briefing:');
    expect(labels(picker.message)).toContain('✓ 12');
    const changed = await press({ chatId: GROUP, messageId: screen!.messageId, from: ADMIN, button: '8' });
    expect(changed.message.plainText).toMatch(/^Settings of "Newsroom" changed:\n.*\n• bullets: 8\n/);
    await press({ chatId: GROUP, messageId: screen!.messageId, from: ADMIN, button: 'Link previews: off' });
    await press({ chatId: GROUP, messageId: screen!.messageId, from: ADMIN, button: 'Empty day: say so' });
    expect((await subscriptionOf(group()))?.settings).toMatchObject({ maxBullets: 8, linkPreviews: true, whenEmpty: 'nothing' });
    expect(labels(current(GROUP, screen!.messageId))).toEqual(['🗣 Language: English', '• Bullets: 8', 'Empty day: stay silent', 'Link previews: on']);
    // Ten languages, three to a row as their names allow on a phone, in even rows: none left alone at the bottom.
    const languages = await press({ chatId: GROUP, messageId: screen!.messageId, from: ADMIN, button: '🗣 Language: English' });
    expect(languages.message.keyboard!.map((row) => row.map((b) => b.text))).toEqual([
      ['✓ English', 'Deutsch', 'Español'], ['Français', 'Italiano', 'Português'], ['Nederlands', 'Русский'], ['中文', '日本語'], ['« Back'],
    ]);
  }, FLOW_TIMEOUT);

  it('a member pressing an admin button gets a short answer and nothing changes', async () => {
    await say({ chatId: GROUP, from: ADMIN, text: '/subscribe' });
    const [screen] = await say({ chatId: GROUP, from: ADMIN, text: '/settings' });
    const before = await subscriptionOf(group());
    const { callbackQueryId } = emulator.pressButton({ chatId: GROUP, messageId: screen!.messageId, from: MEMBER, button: 'Link previews: on' });
    await expect.poll(() => emulator.callbackAnswer(callbackQueryId), WAIT).toMatchObject({ text: 'Only an administrator can change this.' });
    expect(await subscriptionOf(group())).toEqual(before);
    expect(current(GROUP, screen!.messageId).edits).toBe(0);
  });

  it('/schedule: a common time, then another hour and minute, then the zone by region and city', async () => {
    await say({ chatId: SCHEDULE_GROUP, from: ADMIN, text: '/subscribe' });
    const [screen] = await say({ chatId: SCHEDULE_GROUP, from: ADMIN, text: '/schedule' });
    expect(screen!.plainText).toMatch(/^"Newsroom" gets its briefing at 07:30 \(Europe\/Berlin\)\./);
    expect(labels(screen!)).toEqual(expect.arrayContaining(['06:00', '✓ 07:30', '18:00', 'Other time…', '🌐 Europe/Berlin']));
    await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: '18:00' });
    expect((await subscriptionOf(group(SCHEDULE_GROUP)))?.schedule).toEqual({ weekdays: ['18:00'], timezone: 'Europe/Berlin' });
    await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: 'Other time…' });
    const minutes = await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: '06:00' });
    expect(minutes.message.plainText).toBe('Pick the minute: 06:…');
    const set = await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: '06:45' });
    expect(set.message.plainText).toMatch(/^Schedule changed: "Newsroom" gets its briefing at 06:45 \(Europe\/Berlin\)\./);
    await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: '🌐 Europe/Berlin' });
    let page = await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: 'Asia' });
    while (!labels(page.message).includes('Tokyo')) page = await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: 'Next ›' });
    expect(page.message.plainText).toMatch(/^Pick the city \(Asia, page \d of \d\):$/);
    await press({ chatId: SCHEDULE_GROUP, messageId: screen!.messageId, from: ADMIN, button: 'Tokyo' });
    expect((await subscriptionOf(group(SCHEDULE_GROUP)))?.schedule).toEqual({ weekdays: ['06:45'], timezone: 'Asia/Tokyo' });
    expect(current(SCHEDULE_GROUP, screen!.messageId).plainText).toMatch(/gets its briefing at 06:45 \(Asia\/Tokyo\)/);
  }, FLOW_TIMEOUT);

  it('/feeds pages through the list; health answers privately; remove stops following the feed', async () => {
    await say({ chatId: FEEDS_GROUP, from: ADMIN, text: '/subscribe' });
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'epsilon']) await say({ chatId: FEEDS_GROUP, from: ADMIN, text: `/addfeed ${feedServer.url(`/${name}.xml`)}` });
    const [screen] = await say({ chatId: FEEDS_GROUP, from: ADMIN, text: '/feeds' });
    expect(screen!.plainText).toMatch(/^"Newsroom" follows every feed Herald reads \(5\):/);
    expect(labels(screen!)).toEqual(['✖ 1 alpha', '🩺 1', '✖ 2 beta', '🩺 2', '✖ 3 gamma', '🩺 3', '✖ 4 delta', '🩺 4', 'Page 1 of 2', 'Next ›']);
    const second = await press({ chatId: FEEDS_GROUP, messageId: screen!.messageId, from: MEMBER, button: 'Next ›' });
    expect(labels(second.message)).toEqual(['✖ 5 epsilon', '🩺 5', '‹ Previous', 'Page 2 of 2']);
    expect(second.message.plainText).toMatch(/^"Newsroom" follows every feed Herald reads \(5\):\n• 5\. epsilon/);
    const health = await press({ chatId: FEEDS_GROUP, messageId: screen!.messageId, from: MEMBER, button: '🩺 5' }, { edits: false });
    expect(health.notice).toMatch(/^epsilon: (✅ ok, last read \d+ min ago|🕓 waiting for its first poll)$/);
    const refused = emulator.pressButton({ chatId: FEEDS_GROUP, messageId: screen!.messageId, from: MEMBER, button: '✖ 5 epsilon' });
    await expect.poll(() => emulator.callbackAnswer(refused.callbackQueryId)?.text, WAIT).toBe('Only an administrator can change this.');
    const removed = await press({ chatId: FEEDS_GROUP, messageId: screen!.messageId, from: ADMIN, button: '✖ 5 epsilon' });
    expect(removed.notice).toBe('"Newsroom" no longer follows epsilon. It follows 4 feeds.');
    expect((await subscriptionOf(group(FEEDS_GROUP)))?.feedIds).toHaveLength(4);
    expect(labels(removed.message)).not.toContain('✖ 5 epsilon');
  }, FLOW_TIMEOUT);

  it('/unsubscribe asks first; Cancel keeps the briefing, Yes stops it; an old button then says the briefing is gone', async () => {
    await say({ chatId: GROUP, from: ADMIN, text: '/subscribe' });
    const [settingsScreen] = await say({ chatId: GROUP, from: ADMIN, text: '/settings' });
    const [question] = await say({ chatId: GROUP, from: ADMIN, text: '/unsubscribe' });
    expect(question!.plainText).toMatch(/^Stop the briefings in "Newsroom"\?/);
    const kept = await press({ chatId: GROUP, messageId: question!.messageId, from: ADMIN, button: 'Cancel' });
    expect(kept.message.plainText).toBe('Nothing changed: "Newsroom" keeps its briefings.');
    expect(kept.message.keyboard).toEqual([]);
    expect(await subscriptionOf(group())).toBeDefined();
    const [again] = await say({ chatId: GROUP, from: ADMIN, text: '/unsubscribe' });
    const stopped = await press({ chatId: GROUP, messageId: again!.messageId, from: ADMIN, button: 'Yes, stop them' });
    expect(stopped.message.plainText).toMatch(/^Unsubscribed: no more briefings in "Newsroom"\./);
    expect(await subscriptionOf(group())).toBeUndefined();
    const stale = await press({ chatId: GROUP, messageId: settingsScreen!.messageId, from: ADMIN, button: /^• Bullets/ });
    expect(stale.notice).toMatch(/^This briefing no longer exists: "Newsroom" was unsubscribed\./);
    expect(stale.message.plainText).toBe(stale.notice);
    expect(stale.message.keyboard).toEqual([]);
    expect(await subscriptionOf(group())).toBeUndefined();
  }, FLOW_TIMEOUT);
});

describe('Telegram buttons about a channel, shown in a private chat', () => {
  const CHANNEL = -2010;

  it('the buttons change the channel named in the command; a non-admin of the channel is refused', async () => {
    emulator.addChat({ id: CHANNEL, type: 'channel', title: 'Daily', username: 'herald_daily', admins: [ADMIN] });
    const channel: Destination = { platform: 'telegram', chatId: String(CHANNEL), channelKind: 'channel' };
    await say({ chatId: ADMIN, text: '/subscribe @herald_daily' });
    const [screen] = await say({ chatId: ADMIN, text: '/settings @herald_daily' });
    expect(screen!.plainText).toMatch(/^Settings of @herald_daily:/);
    expect(screen!.keyboard!.flat().every((b) => b.callback_data!.endsWith(`|${CHANNEL}`))).toBe(true);
    await press({ chatId: ADMIN, messageId: screen!.messageId, from: ADMIN, button: '• Bullets: 12' });
    await press({ chatId: ADMIN, messageId: screen!.messageId, from: ADMIN, button: '5' });
    expect((await subscriptionOf(channel))?.settings.maxBullets).toBe(5);
    expect(await subscriptionOf({ platform: 'telegram', chatId: String(ADMIN), channelKind: 'private' })).toBeUndefined();

    // Anyone may look at the settings; only the channel's administrators may change them.
    const [shown] = await say({ chatId: MEMBER, text: '/settings @herald_daily' });
    const refused = emulator.pressButton({ chatId: MEMBER, messageId: shown!.messageId, from: MEMBER, button: 'Link previews: off' });
    await expect.poll(() => emulator.callbackAnswer(refused.callbackQueryId)?.text, WAIT).toBe('Only an administrator can change this.');
    expect((await subscriptionOf(channel))?.settings.linkPreviews).toBeUndefined();
  }, FLOW_TIMEOUT);
});

describe('a Japanese admin sets up a group without typing an argument', () => {
  const JA_ADMIN = 8;
  const JA_GROUP = -2004;

  it('subscribes, adds a feed by answering a question, changes the time and zone with buttons, and previews, all in Japanese', async () => {
    emulator.addUser({ id: JA_ADMIN, firstName: '花子', languageCode: 'ja' });
    emulator.addChat({ id: JA_GROUP, type: 'supergroup', title: 'ニュース部', admins: [JA_ADMIN] });
    const destination = group(JA_GROUP);

    const [subscribed] = await say({ chatId: JA_GROUP, from: JA_ADMIN, text: '/subscribe' });
    expect(subscribed!.plainText).toBe('登録しました: 「ニュース部」 に 07:30（Europe/Berlin） にまとめを送ります。\n /preview で今の内容を確認できます。');
    expect(labels(subscribed!)).toEqual(['🕒 配信時刻', '⚙️ 設定']);
    expect((await subscriptionOf(destination))?.settings.locale).toBe('ja');

    const [question] = await say({ chatId: JA_GROUP, from: JA_ADMIN, text: '/addfeed' });
    expect(question).toMatchObject({ plainText: 'フィード、またはフィードを載せたサイトのアドレスを、このメッセージへの返信で送ってください。', forceReply: true });
    const [added] = await say({ chatId: JA_GROUP, from: JA_ADMIN, text: feedServer.url('/alpha.xml'), replyToMessageId: question!.messageId });
    expect(added!.plainText).toMatch(/^(追加しました|登録済みのフィードを読むようにしました): alpha（/);
    const feed = await services.feeds.findByUrl(feedServer.url('/alpha.xml'));
    await expect.poll(async () => (await services.feeds.getState(feed!.id)).lastSuccessAt, WAIT).toBeDefined();

    const at = { chatId: JA_GROUP, messageId: subscribed!.messageId, from: JA_ADMIN };
    const schedule = await press({ ...at, button: '🕒 配信時刻' });
    expect(schedule.message.plainText).toMatch(/^「ニュース部」 へのまとめは 07:30（Europe\/Berlin） です。/);
    await press({ ...at, button: 'ほかの時刻…' });
    await press({ ...at, button: '06:00' });
    await press({ ...at, button: '06:30' });
    await press({ ...at, button: '🌐 Europe/Berlin' });
    let page = await press({ ...at, button: 'Asia' });
    while (!labels(page.message).includes('Tokyo')) page = await press({ ...at, button: '次へ ›' });
    const done = await press({ ...at, button: 'Tokyo' });
    expect(done.message.plainText).toMatch(/^配信時刻を変更しました: 「ニュース部」 へのまとめは 06:30（Asia\/Tokyo） です。/);
    expect((await subscriptionOf(destination))?.schedule).toEqual({ weekdays: ['06:30'], timezone: 'Asia/Tokyo' });

    const preview = await say({ chatId: JA_GROUP, from: JA_ADMIN, text: '/preview' }, 2);
    expect(preview[0]!.plainText).toBe('「ニュース部」 のプレビュー（配信済みには数えません）:');
    expect(preview[1]!.plainText).toMatch(/^📰? ?.*ニュースまとめ/u);
    expect(preview.map((m) => m.plainText).join('\n')).toContain('alpha story');
  }, FLOW_TIMEOUT);
});
