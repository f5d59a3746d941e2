/**
 * Herald's Telegram bot: commands in private chats, groups, forum topics and channels, turned
 * into command-core requests and answered in HTML. Long polling (@grammyjs/runner) unless
 * `telegram.webhook` is configured.
 */
import { run, sequentialize } from '@grammyjs/runner';
import type { Api, Bot, Context } from 'grammy';
import type { CallbackQuery, Document, Message } from 'grammy/types';
import { createCommandRunner, createControlRunner, type ControlReply, type RunControl } from '../../commands/index.js';
import { refused } from '../../commands/replies.js';
import type { CommandServices } from '../../commands/services.js';
import type { CommandContext, CommandReply, CommandRequest, RunCommand } from '../../commands/types.js';
import type { HeraldConfig } from '../../config/schema.js';
import { allCatalogues, messagesIn, replyLanguageOf, type Messages } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import type { HeraldMetrics } from '../../observability/metrics.js';
import { countTelegramRateLimits } from '../../observability/platform-metrics.js';
import { grammySignal, verifyTelegramToken } from './bot-login.js';
import { createTelegramBot, telegramApiRoot } from './client.js';
import { resolveCommandContext, resolvePressContext } from './command-context.js';
import { parsePromptAnswer, parseTelegramCommand, type TelegramCommand } from './command-parsing.js';
import { parseCallbackData } from './keyboard.js';
import { answerPress, sendCommandReply } from './reply-sender.js';
import type { TelegramTransport } from './transport.js';
import { startWebhookServer, type UpdateType } from './webhook.js';

/** OPML files larger than this are refused before download. */
const MAX_ATTACHMENT_BYTES = 1024 * 1024;
const UPDATE_TYPES: UpdateType[] = ['message', 'channel_post', 'callback_query'];

export interface TelegramBotOptions {
  config: HeraldConfig;
  services: CommandServices;
  logger: Logger;
  /** Where replies go out: the process's one paced path to Telegram, shared with the delivery workers. */
  transport: TelegramTransport;
  /** Counts the 429s of the bot's own calls (updates, chat lookups); the transport's are counted where it is built. */
  metrics?: HeraldMetrics;
  /** Abandons the start-up calls (a Bot API that does not answer); the caller retries. */
  signal?: AbortSignal;
}

/** A running bot; stop() ends polling (or the webhook server) and waits for commands in flight. */
export interface TelegramBotHandle {
  stop(): Promise<void>;
  /** Whether updates are still being received (for /readyz). */
  isRunning(): boolean;
}

/** The commands menu Telegram shows, in one language: /start, then every command-core command. */
export function telegramCommandMenu(t: Messages): Array<{ command: string; description: string }> {
  return [{ command: 'start', description: t.startCommand }, ...Object.entries(t.commands).map(([command, description]) => ({ command, description }))];
}

/**
 * Publishes the menu in English for everyone, and in each other language Herald speaks for the
 * users whose app is set to it (Telegram picks by `language_code`).
 */
async function publishCommandMenus(api: Api, signal: AbortSignal | undefined): Promise<void> {
  for (const [language, t] of allCatalogues()) {
    await api.setMyCommands(telegramCommandMenu(t), language === 'en' ? {} : { language_code: language }, grammySignal(signal));
  }
}

async function downloadAttachment(api: Api, apiRoot: string, document: Document): Promise<NonNullable<CommandRequest['attachment']>> {
  const name = document.file_name ?? 'feeds.opml';
  if ((document.file_size ?? 0) > MAX_ATTACHMENT_BYTES) throw new AttachmentTooLarge(name);
  const file = await api.getFile(document.file_id);
  if (!file.file_path) throw new Error(`Telegram gave no download path for ${name}`);
  const response = await fetch(`${apiRoot}/file/bot${api.token}/${file.file_path}`);
  if (!response.ok) throw new Error(`downloading ${name} failed: HTTP ${response.status}`);
  const content = new Uint8Array(await response.arrayBuffer());
  if (content.byteLength > MAX_ATTACHMENT_BYTES) throw new AttachmentTooLarge(name);
  return { name, content };
}

class AttachmentTooLarge extends Error {
  constructor(name: string) {
    super(`${name} is larger than ${MAX_ATTACHMENT_BYTES / 1024} KB; an OPML file of feeds is much smaller. Send a smaller file.`);
  }
}

/** The document an /import refers to: sent with the command, or the message it replies to. */
function attachedDocument(message: Message): Document | undefined {
  return message.document ?? message.reply_to_message?.document;
}

interface HandlingDeps {
  runCommand: RunCommand;
  runControl: RunControl;
  config: HeraldConfig;
  logger: Logger;
  transport: TelegramTransport;
}

/** A command's reply, and the chat it is about when that is another than where it was typed (its buttons must say so). */
interface Answer {
  reply: CommandReply;
  targetChatId?: string;
}

/** The chat id buttons must carry: the target's, when it is not the chat the message is in. */
function otherTarget(context: CommandContext, chatId: number): string | undefined {
  return context.target.chatId === String(chatId) ? undefined : context.target.chatId;
}

async function answer(ctx: Context, message: Message, command: TelegramCommand, deps: HandlingDeps): Promise<Answer> {
  const resolution = await resolveCommandContext(ctx.api, message, command, { botId: ctx.me.id, owners: deps.config.telegram.owners });
  if ('refusal' in resolution) return { reply: refused(resolution.refusal) };
  const targetChatId = otherTarget(resolution.context, message.chat.id);
  const document = command.name === 'import' ? attachedDocument(message) : undefined;
  let attachment: CommandRequest['attachment'];
  if (document) {
    try {
      attachment = await downloadAttachment(ctx.api, telegramApiRoot(deps.config.telegram), document);
    } catch (error) {
      if (error instanceof AttachmentTooLarge) return { reply: refused(error.message) };
      throw error;
    }
  }
  const request: CommandRequest = { name: command.name, args: command.args, options: command.options, ...(attachment ? { attachment } : {}) };
  return { reply: await deps.runCommand(request, resolution.context), ...(targetChatId !== undefined ? { targetChatId } : {}) };
}

/** Runs a pressed button: refused when the chat it names cannot be seen, else as the core decides. */
async function pressOutcome(ctx: Context, query: CallbackQuery & { message: NonNullable<CallbackQuery['message']> }, deps: HandlingDeps): Promise<ControlReply & { targetChatId?: string }> {
  const { action, targetChatId } = parseCallbackData(query.data ?? '');
  const { message } = query;
  const shown = { chat: message.chat, ...('message_thread_id' in message ? { message_thread_id: message.message_thread_id, is_topic_message: message.is_topic_message } : {}) };
  const resolution = await resolvePressContext(ctx.api, { from: query.from, message: shown, ...(targetChatId !== undefined ? { targetChatId } : {}) }, { botId: ctx.me.id, owners: deps.config.telegram.owners });
  if ('refusal' in resolution) return { notice: resolution.refusal, changed: false };
  return { ...(await deps.runControl(action, resolution.context)), ...(targetChatId !== undefined ? { targetChatId } : {}) };
}

/**
 * Answers button presses under Herald's screens: the core decides what the press does (and
 * refuses non-admins and stale buttons); the answer and the edited screen go out through the
 * reply lane.
 */
function installButtonHandling(bot: Bot, deps: HandlingDeps): void {
  bot.on('callback_query:data', async (ctx) => {
    const query = ctx.callbackQuery;
    const { message } = query;
    if (!message) {
      await deps.transport.call('interactive', (api) => api.answerCallbackQuery(query.id));
      return;
    }
    let outcome: ControlReply & { targetChatId?: string };
    try {
      outcome = await pressOutcome(ctx, { ...query, message }, deps);
    } catch (error) {
      deps.logger.error({ err: error, chatId: message.chat.id, data: query.data }, 'Telegram button press failed');
      outcome = { notice: messagesIn(replyLanguageOf(query.from.language_code) ?? 'en').somethingWentWrong, changed: false };
    }
    const pressed = { chatId: message.chat.id, chatKind: message.chat.type, messageId: message.message_id, callbackQueryId: query.id };
    await answerPress(deps.transport, pressed, outcome, { linkPreviews: deps.config.briefing.linkPreviews, logger: deps.logger, ...(outcome.targetChatId !== undefined ? { targetChatId: outcome.targetChatId } : {}) });
  });
}

/**
 * Registers Herald's command handling on a grammY bot: commands in messages, document captions
 * and channel posts, one at a time per chat (so two quick changes to one subscription do not
 * race). Other messages pass through untouched.
 */
export function installCommandHandling(bot: Bot, deps: HandlingDeps): void {
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));
  bot.on(['message', 'channel_post'], async (ctx, next) => {
    const message = ctx.msg;
    if (message === undefined) return next();
    const text = message.text ?? message.caption;
    const question = message.reply_to_message;
    const command =
      text === undefined
        ? undefined
        : (parseTelegramCommand(text, ctx.me.username, message.chat.type === 'private') ??
          parsePromptAnswer(text, question && { fromBot: question.from?.id === ctx.me.id || question.sender_chat?.id === message.chat.id, ...(question.text !== undefined ? { text: question.text } : {}) }));
    if (!command) return next();
    const target = {
      chatId: message.chat.id,
      chatKind: message.chat.type,
      ...(message.is_topic_message && message.message_thread_id !== undefined ? { threadId: message.message_thread_id } : {}),
    };
    let answered: Answer;
    try {
      answered = await answer(ctx, message, command, deps);
    } catch (error) {
      deps.logger.error({ err: error, chatId: message.chat.id, command: command.name }, 'Telegram command failed');
      answered = { reply: refused(messagesIn(replyLanguageOf(message.from?.language_code) ?? 'en').somethingWentWrong) };
    }
    const { reply, targetChatId } = answered;
    await sendCommandReply(deps.transport, target, reply, { linkPreviews: deps.config.briefing.linkPreviews, logger: deps.logger, ...(targetChatId !== undefined ? { targetChatId } : {}) });
  });
  installButtonHandling(bot, deps);
}

/**
 * Starts the Telegram bot for `herald start`: checks the token (getMe; a refused one throws
 * TokenRejectedError), publishes the command menu (setMyCommands), then receives updates by
 * webhook when `telegram.webhook` is set, else by long polling. One try, no retries: grammY's
 * own init would retry an unreachable API forever, silently.
 */
export async function startTelegramBot({ config, services, logger, transport, metrics, signal }: TelegramBotOptions): Promise<TelegramBotHandle> {
  const bot = createTelegramBot(config.telegram);
  if (metrics) countTelegramRateLimits(bot.api, metrics);
  installCommandHandling(bot, { runCommand: createCommandRunner(services), runControl: createControlRunner(services), config, logger, transport });
  bot.catch((error) => logger.error({ err: error.error, updateId: error.ctx.update.update_id }, 'Telegram update failed'));
  bot.botInfo = await verifyTelegramToken(bot.api, config.telegram, signal);
  await publishCommandMenus(bot.api, signal);
  const { webhook } = config.telegram;
  if (webhook) {
    const server = await startWebhookServer(bot, webhook, UPDATE_TYPES);
    logger.info({ bot: bot.botInfo.username, url: webhook.url }, 'Telegram bot receiving updates by webhook');
    let listening = true;
    return {
      stop: async () => {
        listening = false;
        await server.close();
      },
      isRunning: () => listening,
    };
  }
  // A webhook left over from an earlier webhook deployment would make getUpdates fail with 409.
  await bot.api.deleteWebhook(undefined, grammySignal(signal));
  const runner = run(bot, { runner: { fetch: { allowed_updates: UPDATE_TYPES } } });
  logger.info({ bot: bot.botInfo.username }, 'Telegram bot polling for updates');
  return {
    stop: async () => {
      if (runner.isRunning()) await runner.stop();
    },
    isRunning: () => runner.isRunning(),
  };
}
