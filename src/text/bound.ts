import { isWhitespace } from './fold.js';
import { segmenter } from './segmenter.js';

/**
 * How far into an item's text a reader reads: the summary takes its lead sentences from this
 * much (src/summarize/extractive.ts) and keyword mutes and boosts look this far
 * (src/briefing/rank.ts). News states its point first; the rest of a full-text article is not read.
 */
export const ITEM_TEXT_READ_CHARS = 8_000;

/**
 * Item text is stored at most this long (UTF-16 units, marker included). A text cut here stays
 * longer than ITEM_TEXT_READ_CHARS, so every reader sees the same prefix as in the whole text
 * and the summary still knows its last sentence read was cut; the slack is room for a cut at a
 * paragraph or sentence end.
 */
export const MAX_ITEM_TEXT_CHARS = ITEM_TEXT_READ_CHARS + 2_000;

/** Ends a cut text, so whoever looks at a stored item sees that it goes on; no reader's token. */
export const TEXT_CUT_MARKER = ' […]';

/** A sentence's end: its terminator and closing quotes or brackets, before a space (or CJK, without one). */
const SENTENCE_END = /[.!?…]['"’”»)\]]*(?=\s)|[。！？]['"’”」』）]*/gu;

/**
 * `text` cut to MAX_ITEM_TEXT_CHARS when longer, followed by TEXT_CUT_MARKER: at the last
 * paragraph end past ITEM_TEXT_READ_CHARS, else the last sentence end, else the last word end,
 * else the last grapheme boundary, so the cut never splits a surrogate pair or a grapheme.
 * A text within the bound is returned as it is.
 */
export function boundItemText(text: string): string {
  if (text.length <= MAX_ITEM_TEXT_CHARS) return text;
  return `${text.slice(0, cutPoint(text, MAX_ITEM_TEXT_CHARS - TEXT_CUT_MARKER.length))}${TEXT_CUT_MARKER}`;
}

/** Length of the kept prefix: at most `limit`, past ITEM_TEXT_READ_CHARS, on a grapheme boundary. */
function cutPoint(text: string, limit: number): number {
  const paragraph = text.lastIndexOf('\n', limit);
  const cut = paragraph > ITEM_TEXT_READ_CHARS ? paragraph : (lastSentenceEnd(text, limit) ?? lastWordEnd(text, limit));
  return graphemeStart(text, cut);
}

/** The last sentence end past ITEM_TEXT_READ_CHARS, within `limit`. */
function lastSentenceEnd(text: string, limit: number): number | undefined {
  let end: number | undefined;
  SENTENCE_END.lastIndex = ITEM_TEXT_READ_CHARS;
  const window = text.slice(0, limit + 1);
  for (let match = SENTENCE_END.exec(window); match !== null; match = SENTENCE_END.exec(window)) {
    if (SENTENCE_END.lastIndex <= limit) end = SENTENCE_END.lastIndex;
  }
  return end;
}

/** The last end of a word (a non-space followed by a space) past ITEM_TEXT_READ_CHARS, else `limit` itself. */
function lastWordEnd(text: string, limit: number): number {
  for (let index = limit; index > ITEM_TEXT_READ_CHARS; index -= 1) {
    if (isWhitespace(text.charCodeAt(index)) && !isWhitespace(text.charCodeAt(index - 1))) return index;
  }
  return limit;
}

/** The start of the grapheme that holds position `index`: `index` itself when a grapheme starts there. */
function graphemeStart(text: string, index: number): number {
  // A boundary depends on the characters before it and the one after it alone (two units if a surrogate pair).
  return segmenter(undefined, 'grapheme').segment(text.slice(0, index + 2)).containing(index)!.index;
}
