/**
 * Herald's screens on Discord: buttons and select menus under its replies, driven through the
 * emulator's component interactions, and autocomplete for time zones and languages; a member
 * whose Discord is in Japanese is answered in Japanese.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandServices } from '../../src/commands/services-wiring.js';
import type { CommandServices } from '../../src/commands/services.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultFetchOptions } from '../../src/feeds/fetch.js';
import { createLogger } from '../../src/log.js';
import { type DiscordBot, startDiscordBot } from '../../src/platforms/discord/bot.js';
import { createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createDeliverQueue } from '../../src/queue/deliver-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createPollQueue } from '../../src/queue/poll-jobs.js';
import { createKeys } from '../../src/store/keys.js';
import { subscriptionIdFor } from '../../src/store/subscriptions.js';
import { defaultIds, type DiscordEmulator, type RecordedMessage, startDiscordEmulator } from '../emulators/discord-api.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { answerText, runHerald, shownText } from './discord-bot-helpers.js';

const PREFIX = 'discordcomponents';
const JAPANESE = { locale: 'ja' };

let emulator: DiscordEmulator;
let redisServer: TestRedis;
let connection: Redis;
let services: CommandServices;
let bot: DiscordBot;
const queues: Array<{ close(): Promise<void> }> = [];

interface ShownComponent {
  customId: string;
  label?: string;
  options?: { label: string; value: string; default?: boolean }[];
}

/** The components under a message, flattened: buttons with their labels, menus with their options. */
function componentsOf(message: RecordedMessage): ShownComponent[] {
  const rows = (message.body.components ?? []) as { components: { custom_id: string; label?: string; options?: ShownComponent['options'] }[] }[];
  return rows.flatMap((row) => row.components.map((c) => ({ customId: c.custom_id, ...(c.label ? { label: c.label } : {}), ...(c.options ? { options: c.options } : {}) })));
}

/** Herald's latest message in the default text channel (replies are recorded there too). */
const latest = () => emulator.messages(defaultIds.text).at(-1)!;
const now = (message: RecordedMessage) => emulator.message(defaultIds.text, message.id)!;
const subscription = () => services.subscriptions.get(subscriptionIdFor({ platform: 'discord', chatId: defaultIds.text, channelKind: 'text' }));

/** Clicks the button with this label (or picks `value` in the menu whose custom id starts with `action`), as `userId`; resolves with the bot's first response. */
async function click(message: RecordedMessage, target: { label: string } | { menu: string; value: string }, extra: { userId?: string; locale?: string } = JAPANESE) {
  const components = componentsOf(now(message));
  const component = 'label' in target ? components.find((c) => c.label === target.label) : components.find((c) => c.customId.startsWith(target.menu));
  if (!component) throw new Error(`no ${JSON.stringify(target)} under the message; there are ${JSON.stringify(components.map((c) => c.label ?? c.customId))}`);
  const { response } = await emulator.clickComponent({ channelId: defaultIds.text, messageId: message.id, customId: component.customId, ...('menu' in target ? { values: [target.value] } : {}), ...extra }, 20_000);
  return response;
}

beforeAll(async () => {
  [emulator, redisServer] = await Promise.all([startDiscordEmulator(), startRedis()]);
  connection = createRedisConnection(redisServer.url);
  const config = parseConfig({ redis: { prefix: PREFIX }, defaults: { timezone: 'Europe/Berlin', briefingTime: '07:30' }, discord: { token: emulator.token, apiBase: emulator.apiBase, guildId: defaultIds.guild } });
  const [pollQueue, composeQueue, deliverQueue] = [createPollQueue(connection, PREFIX), createComposeQueue(connection, PREFIX), createDeliverQueue(connection, PREFIX)];
  queues.push(pollQueue, composeQueue, deliverQueue);
  services = createCommandServices({ config, redis: connection, keys: createKeys(PREFIX), pollQueue, composeQueue, deliverQueue, fetchOptions: defaultFetchOptions(config.fetch) });
  bot = await startDiscordBot({ config, services, logger: createLogger({ level: 'silent' }) });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  for (const queue of queues) await queue.close();
  connection?.disconnect();
  await Promise.all([emulator?.close(), redisServer?.stop()]);
});

describe('Discord components, for a member whose Discord is in Japanese', () => {
  it('subscribes in Japanese and makes the briefing Japanese', async () => {
    const reply = answerText(await runHerald(emulator, ['subscribe'], { channel: defaultIds.text }, JAPANESE));
    expect(reply).toBe('登録しました: #news に 07:30（Europe/Berlin） にまとめを送ります。\n /herald preview で今の内容を確認できます。');
    expect((await subscription())?.settings.locale).toBe('ja');
  });

  it('settings: buttons and a select menu change the bullets; the screen stays Japanese', async () => {
    await runHerald(emulator, ['settings'], {}, JAPANESE);
    const screen = latest();
    expect(shownText(screen.content)).toMatch(/^#news の設定:\n• 言語: ja\n• 項目数: 12\n/);
    expect(componentsOf(screen).map((c) => c.label)).toEqual(['🗣 言語: 日本語', '• 項目数: 12', '新着なしの日: 知らせる', 'リンクプレビュー: オフ']);
    expect((await click(screen, { label: '• 項目数: 12' })).type).toBe(7);
    const menu = componentsOf(now(screen))[0]!;
    expect(menu.options?.find((o) => o.default)?.value).toBe('12');
    await click(screen, { menu: 'st.bul', value: '8' });
    expect((await subscription())?.settings.maxBullets).toBe(8);
    expect(shownText(now(screen).content)).toMatch(/^#news の設定を変更しました:\n• 言語: ja\n• 項目数: 8\n/);
  });

  it('a member without Manage Server is answered privately and nothing changes', async () => {
    await runHerald(emulator, ['settings'], {}, JAPANESE);
    const screen = latest();
    const before = await subscription();
    const response = await click(screen, { label: 'リンクプレビュー: オフ' }, { userId: defaultIds.member, locale: 'ja' });
    expect(response).toMatchObject({ type: 4, ephemeral: true });
    expect(shownText(response.data.content)).toBe('これを変更できるのは管理者だけです。');
    expect(await subscription()).toEqual(before);
  });

  it('schedule: a common time from the menu, then the zone by region and city', async () => {
    await runHerald(emulator, ['schedule'], {}, JAPANESE);
    const screen = latest();
    await click(screen, { menu: 'sc.at', value: '18:00' });
    expect((await subscription())?.schedule).toEqual({ weekdays: ['18:00'], timezone: 'Europe/Berlin' });
    await click(screen, { label: '🌐 Europe/Berlin' });
    await click(screen, { menu: 'sc.r', value: 'Asia' });
    while (!componentsOf(now(screen))[0]!.options!.some((o) => o.value === 'Asia/Tokyo')) await click(screen, { label: '次へ ›' });
    await click(screen, { menu: 'sc.tz', value: 'Asia/Tokyo' });
    expect((await subscription())?.schedule).toEqual({ weekdays: ['18:00'], timezone: 'Asia/Tokyo' });
    expect(shownText(now(screen).content)).toMatch(/^配信時刻を変更しました: #news へのまとめは 18:00（Asia\/Tokyo） です。/);
  });

  it('autocompletes time zones by city and languages by their own names', async () => {
    const zones = await emulator.autocomplete({ command: 'herald', subcommand: ['schedule'], options: { timezone: 'toky' }, focused: 'timezone' });
    expect(zones.map((z) => z.value)).toContain('Asia/Tokyo');
    const languages = await emulator.autocomplete({ command: 'herald', subcommand: ['settings'], options: { language: '日本' }, focused: 'language' });
    expect(languages).toEqual([{ name: '日本語 (ja)', value: 'ja' }]);
  });

  it('unsubscribe asks first; after Yes an old settings screen says the briefing is gone', async () => {
    await runHerald(emulator, ['settings'], {}, JAPANESE);
    const settingsScreen = latest();
    await runHerald(emulator, ['unsubscribe'], {}, JAPANESE);
    const question = latest();
    expect(shownText(question.content)).toMatch(/^#news へのまとめを止めますか？/);
    await click(question, { label: 'はい、止めます' });
    expect(await subscription()).toBeUndefined();
    expect(shownText(now(question).content)).toMatch(/^登録を解除しました/);
    await click(settingsScreen, { label: '• 項目数: 8' });
    expect(shownText(now(settingsScreen).content)).toMatch(/^このまとめはもうありません: #news は登録を解除されました。/);
    expect(componentsOf(now(settingsScreen))).toEqual([]);
  });
});
