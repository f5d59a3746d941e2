import { setTimeout as sleep } from 'node:timers/promises';
import { InputFile, type Api } from 'grammy';
import type { CommandReply } from '../../commands/types.js';
import { renderParts } from '../../render/index.js';
import { packBlocks, renderSpans } from '../../render/split.js';
import { telegramDialect } from '../../render/telegram-html.js';
import { classifyTelegramError } from './errors.js';

/** Where a command's answer goes: the chat (and forum topic) the command was typed in. */
export interface ReplyTarget {
  chatId: number;
  threadId?: number;
}

/** Reply lines are packed one per line, so a long /feeds list splits between lines, never inside an entity. */
const replyDialect = { ...telegramDialect, separator: { text: '\n' } };

/** A reply's text as escaped Telegram HTML messages, each within Telegram's limits. */
export function replyMessages(text: string): string[] {
  const blocks = text.split('\n').map((line) => ({ spans: [{ text: line }] }));
  return packBlocks(blocks, replyDialect).map((spans) => renderSpans(spans, replyDialect));
}

/** Longest retry_after a reply waits for; the person who asked is waiting too. */
const MAX_REPLY_WAIT_MS = 30_000;

/**
 * Replies are answers, not broadcasts, so they skip the delivery pacing; a burst of commands in
 * one group can still meet Telegram's limit, and then the reply waits `retry_after` once.
 */
async function withRetryAfter<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const failure = classifyTelegramError(error);
    if (failure.kind !== 'transient' || failure.retryAfterMs === undefined || failure.retryAfterMs > MAX_REPLY_WAIT_MS) throw error;
    await sleep(failure.retryAfterMs);
    return call();
  }
}

/**
 * Sends a command's reply: the text (HTML, escaped, split if long), then the OPML file, then
 * the preview briefing as the exact parts a delivery would send, in order.
 */
export async function sendCommandReply(api: Api, target: ReplyTarget, reply: CommandReply, options: { linkPreviews: boolean }): Promise<void> {
  const where = target.threadId !== undefined ? { message_thread_id: target.threadId } : {};
  for (const html of replyMessages(reply.text)) {
    await withRetryAfter(() => api.sendMessage(target.chatId, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...where }));
  }
  const { file } = reply;
  if (file) await withRetryAfter(() => api.sendDocument(target.chatId, new InputFile(file.content, file.name), where));
  if (reply.preview) {
    for (const part of renderParts(reply.preview, 'telegram', { linkPreviews: options.linkPreviews })) {
      await withRetryAfter(() => api.sendMessage(target.chatId, part.text, { parse_mode: part.parse_mode, link_preview_options: part.link_preview_options, ...where }));
    }
  }
}
