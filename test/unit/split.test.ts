import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packBlocks, renderSpans, type Block, type Dialect, type Span } from '../../src/render/split.js';
import { checkTelegramHtml } from '../../src/render/telegram-html-check.js';
import { renderTelegram, telegramDialect, TELEGRAM_TEXT_LIMIT } from '../../src/render/telegram-html.js';
import type { Briefing } from '../../src/briefing/model.js';
import { segmenterWork } from '../support/segmenter-work.js';

/** A markup-free dialect with a small limit, so the packing rules are easy to see. */
const plain = (limit: number): Dialect => ({ render: (span) => span.text, cost: (span) => [span.text.length], limits: [limit], separator: { text: '\n\n' } });
const block = (text: string, keepWithNext = false): Block => ({ spans: [{ text }], keepWithNext });
const texts = (parts: Span[][], dialect: Dialect) => parts.map((part) => renderSpans(part, dialect));

describe('packBlocks', () => {
  it('keeps whole blocks together and fills each part', () => {
    const dialect = plain(20);
    expect(texts(packBlocks([block('aaaa'), block('bbbb'), block('cccccccccc'), block('dd')], dialect), dialect)).toEqual(['aaaa\n\nbbbb', 'cccccccccc\n\ndd']);
  });

  it('moves a header to the next part together with the block after it', () => {
    const dialect = plain(24);
    const parts = texts(packBlocks([block('first bullet'), block('Header', true), block('second bullet')], dialect), dialect);
    expect(parts).toEqual(['first bullet', 'Header\n\nsecond bullet']);
  });

  it('splits a block larger than a part at sentence ends first', () => {
    const dialect = plain(40);
    const parts = texts(packBlocks([block('One short sentence. Another short one. A third sentence here.')], dialect), dialect);
    expect(parts).toEqual(['One short sentence. Another short one.', 'A third sentence here.']);
  });

  it('falls back to word boundaries, then to whole graphemes, never half a surrogate pair', () => {
    const words = plain(12);
    expect(texts(packBlocks([block('alpha beta gamma delta epsilon')], words), words)).toEqual(['alpha beta', 'gamma delta', 'epsilon']);
    const family = '👨‍👩‍👧‍👦';
    const graphemes = plain(family.length * 2 + 1);
    const parts = texts(packBlocks([block(family.repeat(5))], graphemes), graphemes);
    expect(parts).toEqual([family.repeat(2), family.repeat(2), family]);
  });

  it('cuts a block far longer than a part with work in proportion to its length, never inside a grapheme', () => {
    // One 'word' of accented letters, each a grapheme of two code units: cut grapheme by grapheme.
    const accented = 'e\u0301';
    const dialect = plain(2000);
    const work = (graphemes: number) =>
      segmenterWork(() => {
        const parts = texts(packBlocks([block(accented.repeat(graphemes))], dialect), dialect);
        for (const part of parts) expect(part).toMatch(/^(e\u0301)+$/);
        expect(parts.join('')).toBe(accented.repeat(graphemes));
      });
    // Twice the text, twice the work (segmenting the whole text at every step took four times as much).
    expect(work(40_000)).toBeLessThan(2.5 * work(20_000));
  });

  it('never loses or reorders non-space text, and never exceeds the limit (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ text: fc.string({ unit: 'grapheme', maxLength: 80 }), keepWithNext: fc.boolean() }), { maxLength: 20 }),
        fc.integer({ min: 12, max: 120 }),
        (specs, limit) => {
          const dialect = plain(limit);
          const parts = texts(packBlocks(specs.map((spec) => block(spec.text, spec.keepWithNext)), dialect), dialect);
          for (const part of parts) expect(part.length).toBeLessThanOrEqual(limit);
          expect(parts.join('').replace(/\s+/g, '')).toBe(specs.map((spec) => spec.text).join('').replace(/\s+/g, ''));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Telegram splitting', () => {
  const bulletOf = (headline: string, summary: string, sources = 3): Briefing => ({
    title: 'Briefing',
    date: '2026-11-26',
    timezone: 'UTC',
    sections: [
      {
        title: 'World',
        emoji: '🌍',
        bullets: [{ emoji: '🔸', headline, summary, sources: Array.from({ length: sources }, (_, i) => ({ name: `Source ${i} <&>`, url: `https://s${i}.example/a?b=1&c="2"` })), items: [] }],
      },
    ],
    stats: { itemsIn: 0, duplicatesDropped: 0, stories: 1 },
  });

  it('splits one over-long bullet into valid parts: whole tags, whole links, sentences kept', () => {
    const sentence = 'The committee met again & again <behind> closed doors. ';
    const parts = renderTelegram(bulletOf('A headline in bold', sentence.repeat(150).trim()));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      const check = checkTelegramHtml(part.text);
      if (!check.ok) throw new Error(check.error);
      expect(check.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      // Each cut falls after a sentence: every part but the last ends with one.
      if (part !== parts.at(-1)) expect(check.text).toMatch(/doors\.$/);
    }
    expect(parts[0]!.text).toContain('<b>A headline in bold</b>');
    expect(parts.at(-1)!.text).toContain('<a href="https://s2.example/a?b=1&amp;c=%222%22">Source 2 &lt;&amp;&gt;</a>');
  });

  it('counts visible UTF-16 units, not markup: a part may carry more HTML than 4096 characters', () => {
    const parts = renderTelegram(bulletOf('&'.repeat(150), 'x&<>. '.repeat(640).trim(), 1));
    const first = parts[0]!.text;
    expect(first.length).toBeGreaterThan(TELEGRAM_TEXT_LIMIT);
    const check = checkTelegramHtml(first);
    expect(check.ok && check.text.length <= TELEGRAM_TEXT_LIMIT).toBe(true);
  });

  it('costs a span by its visible length and its markup length', () => {
    expect(telegramDialect.cost({ text: '😀<', bold: true })).toEqual([3, '<b>😀&lt;</b>'.length]);
  });
});
