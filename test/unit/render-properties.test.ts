import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Briefing, Bullet } from '../../src/briefing/model.js';
import { DISCORD_LIMITS, escapeDiscordMarkdown, renderDiscord, type DiscordPart } from '../../src/render/discord.js';
import { allBlocks, layoutBriefing } from '../../src/render/layout.js';
import { checkTelegramHtml } from '../../src/render/telegram-html-check.js';
import { renderTelegram, TELEGRAM_HTML_LIMIT, TELEGRAM_TEXT_LIMIT } from '../../src/render/telegram-html.js';
import { renderText } from '../../src/render/text.js';

/** Pieces that trip renderers: markup, entities, markdown, mentions, emoji sequences, CJK, RTL. */
const TRICKY = [
  '<', '>', '&', '&amp;', '&lt;b&gt;', '"', "'", '<b>', '</a>', '<a href="x">', '*', '**', '_', '__', '~~', '`', '```', '||',
  '#', '# ', '- ', '1. ', '> ', '[', ']', '(', ')', '](http://x)', '\\', '@everyone', '@here', '<@123>', '<@!123>',
  '<@&789>', '<#456>', '😀', '👨‍👩‍👧‍👦', '🇯🇵', '❗️', 'é', 'e\u0301', '東京都内で地震。', '新闻', 'Привет.', 'مرحبا بالعالم', 'שלום',
  '\u200f', ' ', '  ', '\n', '. ', '! ', '? ', '。', 'word', 'Sentence one. ', 'https://example.com/a?b=1&c=2',
];

/** Private-use markers that tag each headline; random text never contains them. */
const MARK_OPEN = '\ue000';
const MARK_CLOSE = '\ue001';
const stripMarkers = (text: string) => text.replace(/[\ue000\ue001]/g, '');

const trickyText = (maxPieces: number) =>
  fc
    .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) }), { maxLength: maxPieces })
    .map((pieces) => stripMarkers(pieces.join('')));

/** Mostly short summaries, sometimes one far over every limit to force a split inside a bullet. */
const summaryText = fc.oneof(
  { weight: 8, arbitrary: trickyText(40) },
  { weight: 1, arbitrary: fc.tuple(trickyText(20), fc.integer({ min: 20, max: 400 })).map(([piece, times]) => `${piece}. `.repeat(times)) },
  { weight: 1, arbitrary: fc.integer({ min: 3000, max: 9000 }).map((length) => '東京'.repeat(length / 2)) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 3000 }).map((length) => '😀'.repeat(length)) },
);

const sourceArb = fc.record({
  name: trickyText(4),
  url: fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.constantFrom('', 'javascript:alert(1)', 'not a url', 'https://x.example/a"b<c>d(e)')),
});

const bulletArb = fc.record({
  emoji: fc.constantFrom('🔸', '❗️', '🔄', '❗️🔄', ''),
  headline: trickyText(12).map((text) => text.slice(0, 180)),
  summary: summaryText,
  sources: fc.array(sourceArb, { maxLength: 7 }),
  items: fc.constant([] as string[]),
});

const briefingArb: fc.Arbitrary<Briefing> = fc
  .record({
    title: trickyText(8).map((text) => `Briefing ${text}`.slice(0, 200)),
    sections: fc.array(fc.record({ title: trickyText(5), emoji: fc.constantFrom('🌍', '💻', '', '🗾'), bullets: fc.array(bulletArb, { maxLength: 14 }) }), { maxLength: 6 }),
    footer: fc.option(trickyText(20), { nil: undefined }),
  })
  .map(({ title, sections, footer }) => {
    let n = 0;
    const mark = (bullet: Bullet): Bullet => ({ ...bullet, headline: `${MARK_OPEN}${(n += 1)}${MARK_CLOSE}${bullet.headline}` });
    return {
      title,
      date: '2026-11-26',
      timezone: 'UTC',
      sections: sections.map((section) => ({ ...section, bullets: section.bullets.map(mark) })),
      stats: { itemsIn: 0, duplicatesDropped: 0, stories: n },
      footer,
    };
  });

const markersIn = (text: string) => [...text.matchAll(/\ue000(\d+)\ue001/g)].map((m) => Number(m[1]));
const bulletCount = (briefing: Briefing) => briefing.sections.reduce((sum, section) => sum + section.bullets.length, 0);
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const withoutWhitespace = (text: string) => text.replace(/\s+/g, '');

/** Every headline marker exactly once across the parts, in order: no bullet lost, none repeated. */
function expectEveryBulletOnceInOrder(briefing: Briefing, partTexts: string[]) {
  const seen = partTexts.flatMap(markersIn);
  expect(seen).toEqual(Array.from({ length: bulletCount(briefing) }, (_, i) => i + 1));
}

/** The visible text of the whole briefing, which splitting may only cut at (and trim) whitespace. */
function wholeVisibleText(briefing: Briefing): string {
  return allBlocks(layoutBriefing(briefing))
    .flatMap((block) => block.spans.map((span) => span.text))
    .join('');
}

const discordTexts = (part: DiscordPart) => [part.content ?? '', ...(part.embeds ?? []).flatMap((embed) => [embed.title ?? '', embed.description ?? ''])];

/** Every part within Discord's limits, mentions neutralised, every bullet once and in order. */
function expectValidDiscord(briefing: Briefing, style: 'embeds' | 'content') {
  const parts = renderDiscord(briefing, { style });
  expect(parts.length).toBeGreaterThan(0);
  for (const part of parts) {
    expect(part.allowed_mentions).toEqual({ parse: [] });
    expect(part.content !== undefined || (part.embeds?.length ?? 0) > 0).toBe(true);
    if (part.content !== undefined) {
      expect(part.content.length).toBeGreaterThan(0);
      expect(part.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    }
    const embeds = part.embeds ?? [];
    expect(embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedsPerMessage);
    let total = 0;
    for (const embed of embeds) {
      expect(embed.title?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedTitle);
      expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
      expect((embed.title ?? '') + (embed.description ?? '')).not.toBe('');
      total += (embed.title?.length ?? 0) + (embed.description?.length ?? 0);
    }
    expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedsTotal);
    for (const text of discordTexts(part)) {
      expect(text).not.toMatch(/@(everyone|here)/);
      expect(text).not.toMatch(/(?<!\\)<(@[!&]?|#)\d/);
      expect(text).not.toMatch(loneSurrogate);
    }
  }
  const bodies = parts.flatMap((part) => (style === 'content' ? [part.content ?? ''] : (part.embeds ?? []).map((embed) => embed.description ?? '')));
  expectEveryBulletOnceInOrder(briefing, bodies);
}

const PROPERTY_RUNS = { numRuns: 100 };

// 100 random briefings per renderer take seconds when idle and far longer beside other jobs: room to spare.
// A property that has not finished within two minutes fails with its seed (test/support/fast-check.ts).
describe('renderers on random briefings', { timeout: 180_000 }, () => {
  it('Telegram: valid HTML, every part within 4096 visible UTF-16 units, nothing lost or reordered', () => {
    fc.assert(
      fc.property(briefingArb, fc.boolean(), (briefing, linkPreviews) => {
        const parts = renderTelegram(briefing, { linkPreviews });
        const visible = parts.map((part) => {
          expect(part.parse_mode).toBe('HTML');
          expect(part.link_preview_options).toEqual({ is_disabled: !linkPreviews });
          const check = checkTelegramHtml(part.text);
          if (!check.ok) throw new Error(`${check.error} in ${JSON.stringify(part.text)}`);
          expect(check.text.length).toBeGreaterThan(0);
          expect(check.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
          expect(part.text.length).toBeLessThanOrEqual(TELEGRAM_HTML_LIMIT);
          expect(part.text).not.toMatch(loneSurrogate);
          return check.text;
        });
        expectEveryBulletOnceInOrder(briefing, visible);
        expect(withoutWhitespace(visible.join(''))).toBe(withoutWhitespace(wholeVisibleText(briefing)));
      }),
      PROPERTY_RUNS,
    );
  });

  for (const style of ['embeds', 'content'] as const) {
    it(`Discord (${style}): within every limit, mentions neutralised, nothing lost or reordered`, () => {
      fc.assert(
        fc.property(briefingArb, (briefing) => expectValidDiscord(briefing, style)),
        PROPERTY_RUNS,
      );
    });
  }

  it('Discord: the counterexample seed 96 shrank to, a part starting with a "1" and a sentence ". . …"', () => {
    const bullet = (n: number, headline: string, summary: string): Bullet => ({ emoji: '🔸', headline: `${MARK_OPEN}${n}${MARK_CLOSE}${headline}`, summary, sources: [], items: [] });
    const briefing: Briefing = {
      title: 'Briefing ',
      date: '2026-11-26',
      timezone: 'UTC',
      sections: [{ title: '', emoji: '🌍', bullets: [bullet(1, '', '東京'.repeat(1596)), bullet(2, '<🇯🇵', '<b><<<שלום<~~1. . '.repeat(260))] }],
      stats: { itemsIn: 0, duplicatesDropped: 0, stories: 2 },
    };
    expectValidDiscord(briefing, 'content');
    expectValidDiscord(briefing, 'embeds');
  });

  it('text: parts within maxChars when asked, one part otherwise, nothing lost or reordered', () => {
    fc.assert(
      fc.property(briefingArb, fc.integer({ min: 200, max: 5000 }), (briefing, maxChars) => {
        const parts = renderText(briefing, { maxChars });
        for (const part of parts) {
          expect(part.text.length).toBeLessThanOrEqual(maxChars);
          expect(part.text).not.toMatch(loneSurrogate);
        }
        expectEveryBulletOnceInOrder(
          briefing,
          parts.map((part) => part.text),
        );
        expect(renderText(briefing)).toHaveLength(1);
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('escapeDiscordMarkdown', () => {
  it('leaves no markdown character or mention unescaped', () => {
    fc.assert(
      fc.property(trickyText(30), (text) => {
        const escaped = escapeDiscordMarkdown(text);
        // Every markdown character must sit behind an odd number of backslashes.
        for (const match of escaped.matchAll(/(\\*)([*_~`|[\]()<>#])/g)) expect(match[1]!.length % 2).toBe(1);
        expect(escaped).not.toMatch(/@(?!\u200b)/);
        expect(escaped).not.toMatch(/^[ \t]*([-+]|\d+\.)(?=[ \t]|$)/m);
      }),
      PROPERTY_RUNS,
    );
  });
});
