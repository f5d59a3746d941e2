import { htmlToText } from '../feeds/html-text.js';

/**
 * A real HTML element or an entity reference: only then is the text parsed. Items are plain
 * text already, where "<H3 rocket>" or "<50% power>" are words, not markup, and must survive.
 */
const LOOKS_LIKE_MARKUP =
  /<\/?(?:a|abbr|b|blockquote|br|code|div|em|figcaption|figure|h[1-6]|hr|i|iframe|img|li|ol|p|pre|script|small|span|strong|style|sub|sup|table|td|th|tr|u|ul)(?:\s[^<>]*)?\/?>|<!--|&(?:#\d+|#x[\da-f]+|[a-z][a-z\d]*);/i;

/**
 * Plain text from a string that may still carry HTML or entities, line breaks kept (they end
 * sentences). Items are normalized upstream, but summaries and headlines must never show
 * markup, so this is the last guard.
 */
export function plainText(input: string): string {
  const text = LOOKS_LIKE_MARKUP.test(input) ? htmlToText(input) : input;
  return text
    .split('\n')
    .map(foldWhitespace)
    .filter(Boolean)
    .join('\n');
}

/** Collapses runs of whitespace (including no-break and zero-width spaces) to one space. */
export function foldWhitespace(text: string): string {
  return text.replace(/[\s\u200b\u2060\ufeff]+/gu, ' ').trim();
}
