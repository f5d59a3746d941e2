import { describe, expect, it } from 'vitest';
import type { Briefing, BriefingSection } from '../../src/briefing/model.js';
import { DISCORD_LIMITS, escapeDiscordMarkdown, renderDiscord } from '../../src/render/discord.js';
import { renderParts } from '../../src/render/parts.js';

const section = (title: string, headlines: string[]): BriefingSection => ({
  title,
  emoji: '📰',
  bullets: headlines.map((headline) => ({ emoji: '🔸', headline, summary: 'One sentence.', sources: [{ name: 'Wire', url: 'https://wire.example/a_(b)' }], items: [] })),
});
const briefing = (sections: BriefingSection[], footer?: string): Briefing => ({
  title: 'News briefing · Thursday',
  date: '2026-11-26',
  timezone: 'UTC',
  sections,
  stats: { itemsIn: 0, duplicatesDropped: 0, stories: 0 },
  footer,
});

describe('renderDiscord', () => {
  it('embeds: title as the first content, one embed per section, at most 10 embeds per message', () => {
    const parts = renderDiscord(briefing(Array.from({ length: 12 }, (_, i) => section(`Section ${i}`, [`Headline ${i}`])), 'footer'));
    expect(parts.map((part) => part.embeds?.length)).toEqual([10, 3]);
    expect(parts[0]!.content).toBe('**News briefing · Thursday**');
    expect(parts[1]!.content).toBeUndefined();
    expect(parts[0]!.embeds![0]).toEqual({ title: '📰 Section 0', description: '🔸 **Headline 0**\nOne sentence.\n🔗 [Wire](https://wire.example/a_%28b%29)' });
    expect(parts[1]!.embeds!.at(-1)).toEqual({ description: '*footer*' });
  });

  it('content: suppresses link previews with <url> and keeps under 2000 characters', () => {
    const parts = renderParts(briefing([section('World', Array.from({ length: 60 }, (_, i) => `Headline number ${i}`))]), 'discord', { discordStyle: 'content' });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.content!.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(parts[0]!.content).toContain('[Wire](<https://wire.example/a_%28b%29>)');
  });

  it('an empty briefing is its title and the "nothing new" line', () => {
    expect(renderDiscord(briefing([], 'Nothing new since the last briefing.'))).toEqual([
      { content: '**News briefing · Thursday**', embeds: [{ description: '*Nothing new since the last briefing.*' }], allowed_mentions: { parse: [] } },
    ]);
    expect(renderDiscord(briefing([], 'Nothing new.'), { style: 'content' })[0]!.content).toBe('**News briefing · Thursday**\n\n*Nothing new.*');
  });

  it('a bullet cut into words between a line-start number and its dot stays within the limits', () => {
    // The cut joins "1" and ". word" back into a list marker, escaped ("1\\.") where neither piece
    // was: with some headline lengths, the part holding it came out one character over the limit.
    for (let length = 1; length <= 12; length += 1) {
      const bullet = { emoji: '', headline: 'h'.repeat(length), summary: `1. ${'word '.repeat(820)}`, sources: [], items: [] };
      const numbered = briefing([{ title: 'World', emoji: '', bullets: [bullet] }]);
      for (const part of renderDiscord(numbered, { style: 'content' })) expect(part.content!.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
      for (const part of renderDiscord(numbered)) {
        for (const embed of part.embeds ?? []) expect(embed.description!.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
      }
    }
  });

  it('neutralises mentions in embed titles too, where markdown escapes do not apply', () => {
    const [part] = renderDiscord(briefing([section('@everyone <#123> news', ['x'])]));
    expect(part!.embeds![0]!.title).toBe('📰 @\u200beveryone <\u200b#123> news');
  });
});

describe('escapeDiscordMarkdown', () => {
  it('escapes markdown, list markers and headings, and breaks mentions', () => {
    expect(escapeDiscordMarkdown('**bold** _it_ ~~s~~ `code` ||spoiler|| [x](y) <@123> @here')).toBe(
      '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`code\\` \\|\\|spoiler\\|\\| \\[x\\]\\(y\\) \\<@\u200b123\\> @\u200bhere',
    );
    expect(escapeDiscordMarkdown('- item\n1. first\n# Title\n> quote')).toBe('\\- item\n1\\. first\n\\# Title\n\\> quote');
  });
});
