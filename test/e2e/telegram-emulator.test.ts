import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { run } from '@grammyjs/runner';
import fc from 'fast-check';
import { Bot, GrammyError, InputFile, webhookCallback } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { parseTelegramHtml } from '../emulators/telegram-html-parse.js';

const TOKEN = '123456:TEST-token';
let emulator: TelegramEmulator;
let bot: Bot;

beforeEach(async () => {
  emulator = await startTelegramEmulator({ token: TOKEN, bot: { username: 'herald_bot' } });
  bot = new Bot(TOKEN, { client: { apiRoot: emulator.apiRoot } });
});
afterEach(async () => emulator.close());

/** The GrammyError a call rejects with (fails the test when it resolves). */
async function apiError(call: Promise<unknown>): Promise<GrammyError> {
  const error = await call.then(
    () => new Error('the call succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

describe('Telegram emulator: identity and updates', () => {
  it('answers getMe for its token and 401 for any other', async () => {
    const me = await bot.api.getMe();
    expect(me).toMatchObject({ id: 123456, is_bot: true, username: 'herald_bot' });
    const stranger = new Bot('999:wrong', { client: { apiRoot: emulator.apiRoot } });
    const error = await apiError(stranger.api.getMe());
    expect([error.error_code, error.description]).toEqual([401, 'Unauthorized']);
  });

  it('delivers a user message to a bot started with bot.start(), whose reply lands in that chat', async () => {
    const seen: string[] = [];
    bot.on('message:text', async (ctx) => {
      seen.push(ctx.message.text);
      await ctx.reply(`echo: ${ctx.message.text}`);
    });
    void bot.start({ timeout: 1 });
    emulator.userMessage({ chatId: 42, text: 'hello' });
    await expect.poll(() => emulator.messages(42).map((m) => m.text), { timeout: 10_000 }).toEqual(['echo: hello']);
    await bot.stop();
    expect(seen).toEqual(['hello']);
    expect(emulator.pendingUpdates()).toBe(0);
  });

  it('routes /commands with entities through @grammyjs/runner, answering inside the forum topic', async () => {
    emulator.addChat({ id: -1001, type: 'supergroup', title: 'Forum', isForum: true, topics: [7], admins: [5] });
    const commands: Array<{ match: string; threadId?: number }> = [];
    bot.command('subscribe', async (ctx) => {
      commands.push({ match: ctx.match, threadId: ctx.message?.message_thread_id });
      await ctx.reply('subscribed');
    });
    const runner = run(bot, { runner: { fetch: { timeout: 1 } } });
    emulator.userMessage({ chatId: -1001, from: 5, text: '/subscribe@herald_bot world', threadId: 7 });
    await expect.poll(() => emulator.messages(-1001).length, { timeout: 10_000 }).toBe(1);
    await runner.stop();
    expect(commands).toEqual([{ match: 'world', threadId: 7 }]);
    expect(emulator.messages(-1001)[0]).toMatchObject({ text: 'subscribed', threadId: 7 });
  });

  it('long-polls until an update arrives and forgets updates below the confirmed offset', async () => {
    const waiting = bot.api.getUpdates({ timeout: 20 });
    setTimeout(() => emulator.userMessage({ chatId: 1, text: 'late' }), 100);
    const [first] = await waiting;
    expect(first?.message?.text).toBe('late');
    emulator.userMessage({ chatId: 1, text: 'second' });
    const again = await bot.api.getUpdates({ offset: first!.update_id + 1, timeout: 0 });
    expect(again.map((u) => u.message?.text)).toEqual(['second']);
    expect(await bot.api.getUpdates({ offset: again[0]!.update_id + 1, timeout: 0 })).toEqual([]);
  });

  it('posts updates to a webhook with the secret token header, and refuses getUpdates meanwhile', async () => {
    const texts: string[] = [];
    bot.on('message:text', (ctx) => {
      texts.push(ctx.message.text);
    });
    await bot.init();
    const handle = webhookCallback(bot, 'http', { secretToken: 's3cret' });
    const server: Server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      await bot.api.setWebhook(url, { secret_token: 's3cret' });
      expect(emulator.webhook()).toEqual({ url, secretToken: 's3cret' });
      emulator.userMessage({ chatId: 9, text: 'via webhook' });
      await expect.poll(() => texts, { timeout: 10_000 }).toEqual(['via webhook']);
      const conflict = await apiError(bot.api.getUpdates());
      expect(conflict.error_code).toBe(409);
      await bot.api.deleteWebhook();
      expect(emulator.webhook()).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('stores commands per scope for setMyCommands/getMyCommands and rejects invalid names', async () => {
    await bot.api.setMyCommands([{ command: 'help', description: 'What Herald can do' }]);
    await bot.api.setMyCommands([{ command: 'status', description: 'Feed health' }], { scope: { type: 'all_chat_administrators' } });
    expect(await bot.api.getMyCommands()).toEqual([{ command: 'help', description: 'What Herald can do' }]);
    expect(emulator.commands({ type: 'all_chat_administrators' })).toEqual([{ command: 'status', description: 'Feed health' }]);
    const error = await apiError(bot.api.setMyCommands([{ command: 'Bad-Name', description: 'x' }]));
    expect(error.description).toBe('Bad Request: BOT_COMMAND_INVALID');
  });
});

describe('Telegram emulator: sendMessage validation as grammY surfaces it', () => {
  beforeEach(() => emulator.addChat({ id: 42, type: 'private' }));

  it.each([
    ['<b>bold<br>', 'Unsupported start tag "br" at byte offset 7'],
    ['<b>never closed', 'Can\'t find end tag corresponding to start tag "b"'],
    ['<b><i>crossed</b></i>', 'Unmatched end tag at byte offset 13, expected "</i>", found "</b>"'],
    ['stray</b>', 'Unexpected end tag at byte offset 5'],
    ['é <span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 3'],
    ['Fish &nbsp; chips', 'Unsupported HTML entity "&nbsp;" at byte offset 5'],
    ['Fish & chips', 'Character "&" at byte offset 5 begins no supported entity (only &lt; &gt; &amp; &quot; and numeric ones): escape it as &amp;'],
    ['<a href="https://x.org"', 'Unclosed start tag at byte offset 0'],
  ])('refuses %j with "can\'t parse entities"', async (html, reason) => {
    const error = await apiError(bot.api.sendMessage(42, html, { parse_mode: 'HTML' }));
    expect(error.error_code).toBe(400);
    expect(error.description).toBe(`Bad Request: can't parse entities: ${reason}`);
    expect(error.message).toContain("can't parse entities");
    expect(emulator.messages(42)).toEqual([]);
  });

  it('accepts every supported tag, properly nested, and reports entities in UTF-16 units', async () => {
    const html =
      '🙂 <b>B<i>I</i></b> <u>U</u> <s>S</s> <tg-spoiler>T</tg-spoiler> <span class="tg-spoiler">P</span> ' +
      '<a href="https://example.com/?a=1&amp;b=2">L</a> <code>c</code> <pre><code class="language-ts">x</code></pre> ' +
      '<blockquote expandable>Q</blockquote> &lt;&gt;&amp;&quot;&#65;&#x1F600;';
    const sent = await bot.api.sendMessage(42, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    expect(sent.text).toBe('🙂 BI U S T P L c x Q <>&"A😀');
    expect(sent.entities).toEqual([
      { type: 'bold', offset: 3, length: 2 },
      { type: 'italic', offset: 4, length: 1 },
      { type: 'underline', offset: 6, length: 1 },
      { type: 'strikethrough', offset: 8, length: 1 },
      { type: 'spoiler', offset: 10, length: 1 },
      { type: 'spoiler', offset: 12, length: 1 },
      { type: 'text_link', offset: 14, length: 1, url: 'https://example.com/?a=1&b=2' },
      { type: 'code', offset: 16, length: 1 },
      { type: 'pre', offset: 18, length: 1, language: 'ts' },
      { type: 'expandable_blockquote', offset: 20, length: 1 },
    ]);
    expect(emulator.messages(42)[0]).toMatchObject({ text: html, parseMode: 'HTML', linkPreviewOptions: { is_disabled: true } });
  });

  it('counts the 4096 limit after entity parsing, in UTF-16 code units', async () => {
    const fits = `<b>${'&amp;'.repeat(4094)}</b>😀`; // 4094 + 2 units, though the source is far longer
    await expect(bot.api.sendMessage(42, fits, { parse_mode: 'HTML' })).resolves.toMatchObject({ text: `${'&'.repeat(4094)}😀` });
    const tooLong = await apiError(bot.api.sendMessage(42, `${'a'.repeat(4095)}😀`));
    expect([tooLong.error_code, tooLong.description]).toEqual([400, 'Bad Request: message is too long']);
  });

  it('refuses an empty message, and one that is empty once its tags are parsed', async () => {
    for (const text of ['', '<b></b>  ']) {
      const error = await apiError(bot.api.sendMessage(42, text, { parse_mode: 'HTML' }));
      expect(error.description).toBe('Bad Request: message text is empty');
    }
  });

  it('round-trips any escaped text and wraps it in one entity (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (text) => {
        expect(parseTelegramHtml(escapeHtml(text)).text).toBe(text);
        expect(parseTelegramHtml(`<i>${escapeHtml(text)}</i>`).entities).toEqual([{ type: 'italic', offset: 0, length: text.length }]);
      }),
    );
  });
});

describe('Telegram emulator: chats, failures and limits', () => {
  it('describes chats, members and administrators, anonymous admins included', async () => {
    emulator.addChat({ id: -100200, type: 'supergroup', title: 'News', username: 'newsgroup', admins: [{ id: 5, isCreator: true }, { id: 6, isAnonymous: true }] });
    emulator.addChat({ id: -100300, type: 'channel', title: 'Channel', username: 'herald_channel', botCanPost: false });
    expect(await bot.api.getChat('@newsgroup')).toMatchObject({ id: -100200, type: 'supergroup', title: 'News' });
    expect(await bot.api.getChatMember(-100200, 5)).toMatchObject({ status: 'creator', user: { id: 5 } });
    expect(await bot.api.getChatMember(-100200, 6)).toMatchObject({ status: 'administrator', is_anonymous: true });
    expect(await bot.api.getChatMember(-100200, 7)).toMatchObject({ status: 'member' });
    expect((await bot.api.getChatAdministrators(-100200)).map((m) => m.user.id)).toEqual([5, 6]);
    expect(await bot.api.getChatMember(-100300, 123456)).toMatchObject({ status: 'left' });
    const refused = await apiError(bot.api.sendMessage('@herald_channel', 'hi'));
    expect([refused.error_code, refused.description]).toEqual([403, 'Forbidden: bot is not a member of the channel chat']);

    await bot.init();
    const texts: Array<{ text: string; from?: number; senderChat?: number }> = [];
    bot.on('message', (ctx) => {
      texts.push({ text: ctx.message.text ?? '', from: ctx.from?.id, senderChat: ctx.message.sender_chat?.id });
    });
    emulator.userMessage({ chatId: -100200, from: 'anonymous-admin', text: '/status' });
    await bot.handleUpdate((await bot.api.getUpdates({ timeout: 0 }))[0]!);
    expect(texts).toEqual([{ text: '/status', from: 1087968824, senderChat: -100200 }]);
  });

  it('answers blocked, not found, server errors and migrations like Telegram, for as many calls as asked', async () => {
    emulator.addChat({ id: 42, type: 'private' });
    emulator.addChat({ id: -55, type: 'group', title: 'Old group' });
    emulator.failChat(42, 'blocked', { times: 1 });
    const blocked = await apiError(bot.api.sendMessage(42, 'hi'));
    expect([blocked.error_code, blocked.description]).toEqual([403, 'Forbidden: bot was blocked by the user']);
    await expect(bot.api.sendMessage(42, 'hi again')).resolves.toMatchObject({ text: 'hi again' });

    emulator.failChat(42, 'server-error');
    expect((await apiError(bot.api.sendMessage(42, 'x'))).error_code).toBe(500);
    emulator.restoreChat(42);

    const missing = await apiError(bot.api.sendMessage(77, 'x'));
    expect(missing.description).toBe('Bad Request: chat not found');

    emulator.failChat(-55, 'migrated', { migrateToChatId: -10055 });
    const moved = await apiError(bot.api.sendMessage(-55, 'x'));
    expect([moved.error_code, moved.description, moved.parameters]).toEqual([400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -10055 }]);
    await expect(bot.api.sendMessage(-10055, 'moved here')).resolves.toMatchObject({ chat: { type: 'supergroup', title: 'Old group' } });
    expect(emulator.messages(42).map((m) => m.text)).toEqual(['hi again']);
  });

  it('answers 429 with retry_after once a configured window is full, and counts it', async () => {
    emulator.addChat({ id: 42, type: 'private' });
    emulator.setLimits({ perChatPerSecond: 1 });
    await bot.api.sendMessage(42, 'first');
    const limited = await apiError(bot.api.sendMessage(42, 'second'));
    expect([limited.error_code, limited.description, limited.parameters]).toEqual([429, 'Too Many Requests: retry after 1', { retry_after: 1 }]);
    expect(emulator.stats).toMatchObject({ sent: 1, tooManyRequests: 1 });
    expect(emulator.messages(42).map((m) => m.text)).toEqual(['first']);
  });

  it('limits each group per minute, separately from other chats', async () => {
    emulator.addChat({ id: -100800, type: 'supergroup' });
    emulator.addChat({ id: 42, type: 'private' });
    emulator.setLimits({ perGroupPerMinute: 2 });
    await bot.api.sendMessage(-100800, 'one');
    await bot.api.sendMessage(-100800, 'two');
    const limited = await apiError(bot.api.sendMessage(-100800, 'three'));
    expect(limited.error_code).toBe(429);
    expect(limited.parameters.retry_after).toBeGreaterThanOrEqual(1);
    expect(limited.parameters.retry_after).toBeLessThanOrEqual(60);
    await expect(bot.api.sendMessage(42, 'private chats are not groups')).resolves.toBeDefined();
  });

  it('delivers channel posts as channel_post from the channel itself', async () => {
    emulator.addChat({ id: -100900, type: 'channel', title: 'Herald news' });
    emulator.userMessage({ chatId: -100900, text: 'a post' });
    const [update] = await bot.api.getUpdates({ timeout: 0 });
    expect(update?.message).toBeUndefined();
    expect(update?.channel_post).toMatchObject({ text: 'a post', chat: { id: -100900, type: 'channel' }, sender_chat: { id: -100900 } });
    expect(update?.channel_post?.from).toBeUndefined();
    expect(() => emulator.userMessage({ chatId: -100800, text: 'who?' })).toThrow(/never added/);
  });

  it('takes a document upload and serves uploaded files back through getFile', async () => {
    emulator.addChat({ id: 42, type: 'private' });
    const opml = '<?xml version="1.0"?><opml version="2.0"><body/></opml>';
    const sent = await bot.api.sendDocument(42, new InputFile(Buffer.from(opml), 'feeds.opml'), { caption: '<b>Your feeds</b>', parse_mode: 'HTML' });
    expect(sent.document?.file_name).toBe('feeds.opml');
    expect(emulator.messages(42)[0]?.document?.content.toString()).toBe(opml);

    const { messageId } = emulator.userMessage({ chatId: 42, document: { fileName: 'mine.opml', content: opml, mimeType: 'text/x-opml' } });
    emulator.userMessage({ chatId: 42, text: '/import', replyToMessageId: messageId });
    const updates = await bot.api.getUpdates({ timeout: 0 });
    const fileId = updates[1]?.message?.reply_to_message?.document?.file_id;
    const file = await bot.api.getFile(fileId!);
    const download = await fetch(`${emulator.apiRoot}/file/bot${TOKEN}/${file.file_path}`);
    expect(await download.text()).toBe(opml);
  });
});
