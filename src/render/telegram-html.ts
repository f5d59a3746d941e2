import type { Briefing } from '../briefing/model.js';
import { allBlocks, layoutBriefing } from './layout.js';
import { packBlocks, renderSpans, type Dialect, type Span } from './split.js';

/** One sendMessage payload. */
export interface TelegramPart {
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: boolean };
}

/** Telegram's message limit: UTF-16 code units of the text after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/**
 * A cap on the markup itself. Telegram only limits the parsed text, but a part whose HTML is
 * mostly long link targets is still bounded, so requests and logs stay a sane size.
 */
export const TELEGRAM_HTML_LIMIT = 3 * TELEGRAM_TEXT_LIMIT;

/** Escapes text for Telegram HTML: `<`, `>` and `&` (and `"` for attribute values). */
export function escapeTelegramHtml(text: string, inAttribute = false): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return inAttribute ? escaped.replace(/"/g, '&quot;') : escaped;
}

function renderSpan(span: Span): string {
  let html = escapeTelegramHtml(span.text);
  if (span.italic) html = `<i>${html}</i>`;
  if (span.bold) html = `<b>${html}</b>`;
  if (span.href) html = `<a href="${escapeTelegramHtml(span.href, true)}">${html}</a>`;
  return html;
}

export const telegramDialect: Dialect = {
  render: renderSpan,
  cost: (span) => [span.text.length, renderSpan(span).length],
  limits: [TELEGRAM_TEXT_LIMIT, TELEGRAM_HTML_LIMIT],
  separator: { text: '\n\n' },
};

/**
 * The briefing as Telegram HTML messages (only tags Telegram accepts, everything escaped),
 * split at bullet boundaries to stay within 4096 UTF-16 units of visible text each.
 * Link previews are off unless asked for: a briefing with ten links would preview the first.
 */
export function renderTelegram(briefing: Briefing, options: { linkPreviews?: boolean; hashtags?: boolean } = {}): TelegramPart[] {
  return packBlocks(allBlocks(layoutBriefing(briefing, { hashtags: options.hashtags ?? true })), telegramDialect).map((spans) => ({
    text: renderSpans(spans, telegramDialect),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: !options.linkPreviews },
  }));
}
