import { packBlocks, renderSpans } from '../../render/split.js';
import { telegramDialect } from '../../render/telegram-html.js';

/** Reply lines are packed one per line, so a long /feeds list splits between lines, never inside an entity. */
const replyDialect = { ...telegramDialect, separator: { text: '\n' } };

/** A reply's text as escaped Telegram HTML messages, each within Telegram's limits. */
export function replyMessages(text: string): string[] {
  const blocks = text.split('\n').map((line) => ({ spans: [{ text: line }] }));
  return packBlocks(blocks, replyDialect).map((spans) => renderSpans(spans, replyDialect));
}
