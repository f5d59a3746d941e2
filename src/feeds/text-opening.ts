import { truncateAtWord } from '../summarize/sentences.js';

/** How much of a document that is no markup at all an error quotes, to show what it is instead (the "…" included). */
const OPENING_QUOTED = 41;

/**
 * How a document that is not markup at all begins (its first line, cut to whole words), for an
 * error that refuses it as a feed or OPML file; undefined when it starts with markup or is empty.
 * Called only once a parse has failed: a README that mentions `herald <command>` should be
 * quoted, not said to have a root element <command>.
 */
export function nonMarkupOpening(document: string): string | undefined {
  const text = document.replace(/^[\uFEFF\s]+/, '');
  if (text === '' || text.startsWith('<')) return undefined;
  const firstLine = text.slice(0, OPENING_QUOTED * 4).split(/[\r\n]/, 1)[0]!.replace(/[\p{Cc}\p{Cs}]/gu, '').trimEnd();
  return truncateAtWord(firstLine, OPENING_QUOTED);
}
