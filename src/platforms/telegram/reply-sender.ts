/**
 * Sends a command's reply through the transport's interactive lane: ahead of briefing parts,
 * within the same limits, and retried (each 429 waited out for its retry_after) until Telegram
 * takes it or the reply's deadline passes, so whoever typed the command sees the answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GrammyError, InputFile, type Api } from 'grammy';
import type { CommandReply } from '../../commands/types.js';
import type { Logger } from '../../log.js';
import { renderParts } from '../../render/index.js';
import type { Destination } from '../delivery.js';
import { classifyTelegramError } from './errors.js';
import { inlineKeyboard } from './keyboard.js';
import { replyMessages } from './reply.js';
import type { TelegramTransport } from './transport.js';

/** Where a command's answer goes: the chat (and forum topic) the command was typed in. */
export interface ReplyTarget {
  chatId: number;
  threadId?: number;
  /** The chat's type, so a reply in a group counts against the group's limit too. */
  chatKind?: Destination['channelKind'];
}

export interface ReplyOptions {
  linkPreviews: boolean;
  logger: Logger;
  /** How long a reply may keep being refused before Herald gives up on it (default 2 minutes). */
  deadlineMs?: number;
}

const DEFAULT_REPLY_DEADLINE_MS = 120_000;

/** Before retrying a reply that failed without a retry_after (5xx, network): 1 s, 2 s, 4 s… at most 15 s. */
function backoffMs(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** (attempt - 1));
}

/** Sends each message of one reply, in order, retrying every one until the reply's deadline. */
class ReplyDelivery {
  private readonly deadline: number;
  private readonly chat: { chatId: string; channelKind?: Destination['channelKind'] };
  private readonly where: { message_thread_id?: number };

  constructor(
    private readonly transport: TelegramTransport,
    target: ReplyTarget,
    private readonly options: ReplyOptions,
  ) {
    this.deadline = Date.now() + (options.deadlineMs ?? DEFAULT_REPLY_DEADLINE_MS);
    this.chat = { chatId: String(target.chatId), ...(target.chatKind && { channelKind: target.chatKind }) };
    this.where = target.threadId !== undefined ? { message_thread_id: target.threadId } : {};
  }

  /** Sends one message into the chat, retrying until the reply's deadline. */
  async send(request: (api: Api, where: { message_thread_id?: number }) => Promise<unknown>): Promise<void> {
    await this.retrying(() => this.transport.send(this.chat, 'interactive', (api) => request(api, this.where)));
  }

  /** Makes a call that posts nothing into the chat (a press's answer), retrying the same way. */
  async call(request: (api: Api) => Promise<unknown>): Promise<void> {
    await this.retrying(() => this.transport.call('interactive', request));
  }

  private async retrying(attemptOnce: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await attemptOnce();
        return;
      } catch (error) {
        const failure = classifyTelegramError(error);
        if (failure.kind !== 'transient') throw error;
        const waitMs = failure.retryAfterMs ?? backoffMs(attempt);
        if (Date.now() + waitMs > this.deadline) {
          const seconds = Math.round((this.options.deadlineMs ?? DEFAULT_REPLY_DEADLINE_MS) / 1000);
          throw new Error(`gave up on a reply in chat ${this.chat.chatId} after ${attempt} attempts: Telegram would not take it within ${seconds} s, the deadline for replies (${failure.reason})`, { cause: error });
        }
        this.options.logger.debug({ chatId: this.chat.chatId, attempt, waitMs, reason: failure.reason }, 'reply refused for now; retrying');
        await sleep(waitMs);
      }
    }
  }
}

/**
 * Sends a command's reply: the text (HTML, escaped, split if long) with the screen's buttons
 * under its last message, then the OPML file, then the preview briefing as the exact parts a
 * delivery would send, in order. `targetChatId` goes into the buttons when the reply is about
 * another chat than the one it is sent to.
 */
export async function sendCommandReply(transport: TelegramTransport, target: ReplyTarget, reply: CommandReply, options: ReplyOptions & { targetChatId?: string }): Promise<void> {
  const delivery = new ReplyDelivery(transport, target, options);
  const texts = replyMessages(reply.text);
  // A question (bare /addfeed) opens the reply field, so the answer comes back as a reply to it.
  const keyboard = reply.prompt ? { force_reply: true as const, input_field_placeholder: 'https://…' } : inlineKeyboard(reply.controls, options.targetChatId);
  for (const [index, html] of texts.entries()) {
    const markup = index === texts.length - 1 && keyboard ? { reply_markup: keyboard } : {};
    await delivery.send((api, where) => api.sendMessage(target.chatId, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...where, ...markup }));
  }
  const { file } = reply;
  if (file) await delivery.send((api, where) => api.sendDocument(target.chatId, new InputFile(file.content, file.name), where));
  if (reply.preview) {
    for (const part of renderParts(reply.preview, 'telegram', { linkPreviews: options.linkPreviews })) {
      await delivery.send((api, where) => api.sendMessage(target.chatId, part.text, { parse_mode: part.parse_mode, link_preview_options: part.link_preview_options, ...where }));
    }
  }
}

/** Where a pressed button was: the message to edit, in its chat. */
export interface PressedMessage extends ReplyTarget {
  messageId: number;
  callbackQueryId: string;
}

/**
 * Answers a button press: first the press itself (stopping the button's spinner, with the
 * notice as a toast; a slot in the global bucket alone, since it posts nothing in the chat),
 * then the message edited to the new screen (a slot in the chat's buckets too, as Telegram
 * counts edits), both in the interactive lane like any reply. An edit that would change
 * nothing is not an error.
 */
export async function answerPress(
  transport: TelegramTransport,
  pressed: PressedMessage,
  outcome: { notice?: string; screen?: CommandReply },
  options: ReplyOptions & { targetChatId?: string },
): Promise<void> {
  const delivery = new ReplyDelivery(transport, pressed, options);
  const notice = outcome.notice === undefined ? {} : { text: clipNotice(outcome.notice) };
  await delivery.call((api) => api.answerCallbackQuery(pressed.callbackQueryId, notice));
  const { screen } = outcome;
  if (!screen) return;
  // Screens are short by design; should one not fit a message, its first part replaces the old one.
  const [html] = replyMessages(screen.text);
  const keyboard = inlineKeyboard(screen.controls, options.targetChatId) ?? { inline_keyboard: [] };
  try {
    await delivery.send((api) => api.editMessageText(pressed.chatId, pressed.messageId, html!, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_markup: keyboard }));
  } catch (error) {
    if (!(error instanceof GrammyError && /message is not modified/.test(error.description))) throw error;
  }
}

/** Telegram shows at most 200 characters in a callback answer. */
const MAX_NOTICE = 200;

function clipNotice(text: string): string {
  return text.length <= MAX_NOTICE ? text : `${text.slice(0, MAX_NOTICE - 1)}…`;
}
