import type { Briefing } from '../briefing/model.js';
import { displayUrl } from './display-url.js';
import { allBlocks, layoutBriefing } from './layout.js';
import { packBlocks, renderSpans, type Dialect, type Span } from './split.js';

/** One plain-text message (console, logs, e-mail). */
export interface TextPart {
  text: string;
}

/** A link is written out after its name, for a reader to read: so with its host in its own script (displayUrl). */
function renderSpan(span: Span): string {
  return span.href ? `${span.text} <${displayUrl(span.href)}>` : span.text;
}

function textDialect(maxChars: number): Dialect {
  return { render: renderSpan, cost: (span) => [renderSpan(span).length], limits: [maxChars], separator: { text: '\n\n' } };
}

/**
 * The briefing as plain text, links written out after their names. One part unless
 * `maxChars` (UTF-16 code units) asks for splitting, e.g. for a channel with its own limit.
 */
export function renderText(briefing: Briefing, options: { maxChars?: number; hashtags?: boolean } = {}): TextPart[] {
  const dialect = textDialect(options.maxChars ?? Infinity);
  return packBlocks(allBlocks(layoutBriefing(briefing, { hashtags: options.hashtags ?? false })), dialect).map((spans) => ({ text: renderSpans(spans, dialect) }));
}
