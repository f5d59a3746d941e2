import type { Briefing } from '../briefing/model.js';
import { truncateAtWord } from '../summarize/sentences.js';
import { allBlocks, layoutBriefing } from './layout.js';
import { packBlocks, renderSpans, type Dialect, type Span } from './split.js';

export interface DiscordEmbed {
  title?: string;
  description?: string;
}

/** One create-message payload. Mentions are never parsed: a feed must not ping anyone. */
export interface DiscordPart {
  content?: string;
  embeds?: DiscordEmbed[];
  allowed_mentions: { parse: [] };
}

/**
 * Discord's limits. Lengths are measured in UTF-16 code units, which is never less than
 * Discord's own character count, so staying under them in units stays under them in characters.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  /** Sum of every title, description (and field/footer text) across one message's embeds. */
  embedsTotal: 6000,
  embedsPerMessage: 10,
} as const;

/**
 * Escapes Discord markdown and neutralises mentions: markdown characters get a backslash
 * (Discord hides a backslash before punctuation), list markers at a line start too, and every
 * `@` is followed by a zero-width space, so `@everyone`, `@here` and `<@id>` stay plain text.
 */
export function escapeDiscordMarkdown(text: string): string {
  return neutraliseMentions(text.replace(/[\\*_~`|[\]()<>#]/g, '\\$&')).replace(/^([ \t]*)([-+]|\d+\.)(?=[ \t]|$)/gm, (_, indent: string, marker: string) => `${indent}${marker.replace(/[-+.]$/, '\\$&')}`);
}

/**
 * A zero-width space after every `@` and inside every `<#`: no `@everyone`, `@here`, `<@id>`,
 * `<@&id>` or `<#id>` survives, in any field (embed titles too, where markdown escapes do not apply).
 */
function neutraliseMentions(text: string): string {
  return text.replace(/@/g, '@\u200b').replace(/<#/g, '<\u200b#');
}

/** A link target that cannot end or break the `(…)` of a markdown link. */
function markdownUrl(href: string): string {
  return href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Wraps the text between its outer whitespace, since Discord ignores `**` next to a space. */
function wrap(text: string, marker: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(text)!;
  return match[2] ? `${match[1]}${marker}${match[2]}${marker}${match[3]}` : text;
}

function spanRenderer(suppressLinkPreviews: boolean): (span: Span) => string {
  return (span) => {
    let markdown = escapeDiscordMarkdown(span.text);
    if (span.bold && span.italic) markdown = wrap(markdown, '***');
    else if (span.bold) markdown = wrap(markdown, '**');
    else if (span.italic) markdown = wrap(markdown, '*');
    if (span.href) {
      const url = markdownUrl(span.href);
      markdown = `[${markdown}](${suppressLinkPreviews ? `<${url}>` : url})`;
    }
    return markdown;
  };
}

/**
 * Costs a span by its markdown length, plus one when its text starts with a dot. A block too big
 * for a part is cut into words whose pieces are joined back into runs; a run can join a "1" and
 * a ". x" at a line's start into a list marker, which gets an escape ("1\. x") neither piece got.
 * No other escape depends on a neighbour, so a joined run never costs more than its pieces.
 */
function discordDialect(limit: number, suppressLinkPreviews: boolean): Dialect {
  const render = spanRenderer(suppressLinkPreviews);
  return { render, cost: (span) => [render(span).length + (span.text.startsWith('.') ? 1 : 0)], limits: [limit], separator: { text: '\n\n' } };
}

const NO_MENTIONS = { parse: [] as [] };

/**
 * The briefing as Discord messages. 'embeds' (default): the title as the first message's
 * content and one embed per section (more when a section exceeds a description), up to 10
 * embeds and 6000 characters per message. 'content': plain markdown messages of at most 2000
 * characters with link previews suppressed. Splits at bullet boundaries first; every part
 * carries `allowed_mentions: { parse: [] }`.
 */
export function renderDiscord(briefing: Briefing, options: { style?: 'embeds' | 'content'; hashtags?: boolean } = {}): DiscordPart[] {
  const layout = layoutBriefing(briefing, { hashtags: options.hashtags ?? false });
  if (options.style === 'content') {
    const dialect = discordDialect(DISCORD_LIMITS.content, true);
    return packBlocks(allBlocks(layout), dialect).map((spans) => ({ content: renderSpans(spans, dialect), allowed_mentions: NO_MENTIONS }));
  }

  const dialect = discordDialect(DISCORD_LIMITS.embedDescription, false);
  const embeds: DiscordEmbed[] = layout.sections.flatMap((section) =>
    packBlocks(section.bullets, dialect).map((spans) => ({
      title: truncateAtWord(neutraliseMentions(section.title), DISCORD_LIMITS.embedTitle),
      description: renderSpans(spans, dialect),
    })),
  );
  if (layout.footer) embeds.push(...packBlocks([layout.footer], dialect).map((spans) => ({ description: renderSpans(spans, dialect) })));

  // Shortened to an embed title's length, the escaped title stays far below the content limit.
  const title = dialect.render({ text: truncateAtWord(briefing.title, DISCORD_LIMITS.embedTitle), bold: true });
  const parts: DiscordPart[] = groupEmbeds(embeds).map((group) => ({ embeds: group, allowed_mentions: NO_MENTIONS }));
  if (parts.length === 0) return [{ content: title, allowed_mentions: NO_MENTIONS }];
  parts[0] = { content: title, ...parts[0]! };
  return parts;
}

const embedSize = (embed: DiscordEmbed) => (embed.title?.length ?? 0) + (embed.description?.length ?? 0);

/** Embeds into messages: at most 10 each and 6000 characters across them. */
function groupEmbeds(embeds: DiscordEmbed[]): DiscordEmbed[][] {
  const groups: DiscordEmbed[][] = [];
  let size = 0;
  for (const embed of embeds) {
    const last = groups.at(-1);
    if (last && last.length < DISCORD_LIMITS.embedsPerMessage && size + embedSize(embed) <= DISCORD_LIMITS.embedsTotal) {
      last.push(embed);
      size += embedSize(embed);
    } else {
      groups.push([embed]);
      size = embedSize(embed);
    }
  }
  return groups;
}
