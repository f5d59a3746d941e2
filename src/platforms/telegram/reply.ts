import { InputFile, type Api } from 'grammy';
import type { CommandReply } from '../../commands/types.js';
import { renderParts } from '../../render/index.js';
import { packBlocks, renderSpans } from '../../render/split.js';
import { telegramDialect } from '../../render/telegram-html.js';

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

/**
 * Sends a command's reply: the text (HTML, escaped, split if long), then the OPML file, then
 * the preview briefing as the exact parts a delivery would send, in order.
 */
export async function sendCommandReply(api: Api, target: ReplyTarget, reply: CommandReply, options: { linkPreviews: boolean }): Promise<void> {
  const where = target.threadId !== undefined ? { message_thread_id: target.threadId } : {};
  for (const html of replyMessages(reply.text)) {
    await api.sendMessage(target.chatId, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...where });
  }
  if (reply.file) await api.sendDocument(target.chatId, new InputFile(reply.file.content, reply.file.name), where);
  if (reply.preview) {
    for (const part of renderParts(reply.preview, 'telegram', { linkPreviews: options.linkPreviews })) {
      await api.sendMessage(target.chatId, part.text, { parse_mode: part.parse_mode, link_preview_options: part.link_preview_options, ...where });
    }
  }
}
