import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, normalizeEntries } from '../../src/feeds/normalize.js';
import { boundItemText, ITEM_TEXT_READ_CHARS, MAX_ITEM_TEXT_CHARS, TEXT_CUT_MARKER } from '../../src/text/bound.js';

/**
 * Whether a grapheme starts at `index` of `text`, by the root rules run from `from`, a known
 * boundary: segmenting only a window keeps the check fast (V8 steps through a segmentation in
 * time proportional to the whole string).
 */
function startsGrapheme(text: string, from: number, index: number): boolean {
  for (const { index: start } of new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(text.slice(from, index + 64))) {
    if (from + start >= index) return from + start === index;
  }
  return false;
}

describe('item text bound', () => {
  it('stores a 200,000-character article cut at a paragraph end past what readers read, under the hash of the whole text', () => {
    const paragraphs = Array.from({ length: 3_000 }, (_, n) => `Paragraph ${n} of the buyer's guide compares power meters in detail.`);
    const wholeText = paragraphs.join('\n');
    expect(wholeText.length).toBeGreaterThan(200_000);
    const contentHtml = paragraphs.map((paragraph) => `<p>${paragraph}</p>`).join('');

    const [item] = normalizeEntries([{ categories: [], guid: 'guide-2017', title: 'The Power Meters Buyer’s Guide', contentHtml }], { feedId: 'full-text', sourceName: 'DC Rainmaker', now: new Date('2026-01-15T12:00:00Z') });

    expect(item!.text.length).toBeLessThanOrEqual(MAX_ITEM_TEXT_CHARS);
    expect(item!.text.endsWith(TEXT_CUT_MARKER)).toBe(true);
    const kept = item!.text.slice(0, -TEXT_CUT_MARKER.length);
    expect(wholeText.startsWith(kept)).toBe(true);
    expect(wholeText[kept.length]).toBe('\n');
    expect(kept.length).toBeGreaterThan(ITEM_TEXT_READ_CHARS);
    // The exact-dedup key of an item stored before the bound existed: the hash of the whole text.
    expect(item!.contentHash).toBe(contentHash('The Power Meters Buyer’s Guide', wholeText));
  });

  it('keeps a text within the bound as it is', () => {
    const text = 'word '.repeat(MAX_ITEM_TEXT_CHARS / 5).trimEnd();
    expect(boundItemText(text)).toBe(text);
  });

  it('cuts a text without paragraphs at its last sentence end, else at its last word end', () => {
    const sentences = 'A sentence ends here. '.repeat(MAX_ITEM_TEXT_CHARS / 10);
    const bySentence = boundItemText(sentences);
    expect(bySentence.endsWith(`here.${TEXT_CUT_MARKER}`)).toBe(true);
    const words = 'word '.repeat(MAX_ITEM_TEXT_CHARS / 2);
    expect(boundItemText(words)).toMatch(/ word \[…\]$/u);
  });

  it('never exceeds the bound, keeps a prefix longer than readers read, and never cuts inside a grapheme or a surrogate pair', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
      fc.constantFrom(' ', '\n', '. ', '。', '👩‍👩‍👧', '🇩🇪🇫🇷', 'e\u0301\u0302', '\u0600\u0661', '\ud83d\ude00', 'क्षि'),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 80 }), fc.integer({ min: -300, max: 300 }), fc.constantFrom('x', ' ', 'ab. '), (pieces, offset, filler) => {
        // Filler up to near the bound, then the generated pieces straddle the cut, repeated past the bound.
        const head = filler.repeat(Math.ceil((MAX_ITEM_TEXT_CHARS + offset - 200) / filler.length));
        let text = head + pieces.join('');
        while (text.length <= MAX_ITEM_TEXT_CHARS) text += pieces.join('');
        const bounded = boundItemText(text);
        expect(bounded.length).toBeLessThanOrEqual(MAX_ITEM_TEXT_CHARS);
        expect(bounded.endsWith(TEXT_CUT_MARKER)).toBe(true);
        const kept = bounded.slice(0, -TEXT_CUT_MARKER.length);
        expect(text.startsWith(kept)).toBe(true);
        expect(kept.length).toBeGreaterThan(ITEM_TEXT_READ_CHARS);
        // A grapheme starts at each character of the ASCII filler.
        expect(startsGrapheme(text, Math.min(head.length, kept.length) - 1, kept.length)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
