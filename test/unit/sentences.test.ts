import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizeExtractive } from '../../src/summarize/extractive.js';
import { isCompleteSentence, words } from '../../src/summarize/sentences.js';
import { endsOnAbbreviation, splitSentences } from '../../src/text/sentences.js';
import { fixtureItem, fixtureStory } from '../fixtures/briefing/stories.js';
import { segmenterWork } from '../support/segmenter-work.js';

/** Words no sentence ends on: news abbreviations, titles, initials in names. */
const ABBREVIATED = [
  'the U.S. Geological Survey', 'the U.K. Treasury', 'at 9 a.m. Eastern', 'at 5 p.m. Monday', 'e.g. Google', 'i.e. Paris',
  'Dr. Fauci', 'Mr. Smith', 'Mrs. Ardern', 'Gov. Newsom', 'Sen. Warren', 'Gen. Milley', 'Prof. Jones', 'St. Louis',
  'President Vladimir V. Putin', 'Donald J. Trump', 'George W. Bush', 'J. K. Rowling', 'Apple Inc. Chairman',
  'Washington, D.C. Police', 'Jan. 12', 'No. 2 Official', 'Ph.D. Students',
];
const ABBREVIATION_TOKENS = ABBREVIATED.flatMap((phrase) => phrase.split(' ').filter((word) => word.endsWith('.')));
/** Everything else a news sentence holds: plain words, decimals, money, quotes and brackets. */
const PLAIN = [
  'officials', 'said', 'on Tuesday', 'shares rose', '2.5 percent', '$1.3 billion', 'the ministry', 'in Santiago',
  '"we will act"', '(in a statement)', 'according to data', 'after talks', 'voters', 'the central bank', '3.14',
];
const OPENERS = ['Officials', 'The report', 'Residents', 'Investors', 'Analysts', 'Police', 'Lawmakers'];
const ENDINGS = ['yesterday.', 'again.', 'on Friday.', 'last week?', 'at once!', 'in March.'];

/** One sentence made of the pools above: a capital word first, a plain word with final punctuation last. */
const sentenceArb = fc
  .tuple(fc.constantFrom(...OPENERS), fc.array(fc.oneof(fc.constantFrom(...ABBREVIATED), fc.constantFrom(...PLAIN)), { minLength: 1, maxLength: 8 }), fc.constantFrom(...ENDINGS))
  .map(([first, middle, last]) => [first, ...middle, last].join(' '));

const JAPANESE = [
  '首相は「全力を尽くす。」と述べた。', '政府は対応を急ぐ。', '「停戦は近い」と米国務長官が語った。', '東京都は１２日、新たに３００人の感染を確認したと発表した。',
  '「ウクライナは停戦に応じる用意がある。米国の提案を受け入れる」と語った。', '気温は２．５度上がった。', '（共同）東京で会談した。',
];

describe('splitSentences', () => {
  it('keeps abbreviations, titles, initials, decimals, quotes and brackets inside their sentence (property)', () => {
    fc.assert(
      fc.property(fc.array(sentenceArb, { minLength: 1, maxLength: 6 }), (sentences) => {
        expect(splitSentences(sentences.join(' '), 'en')).toEqual(sentences);
      }),
      { numRuns: 500 },
    );
  });

  it('splits Japanese at 。 but not inside 「」 nor before the particle after a closing quote (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...JAPANESE), { minLength: 1, maxLength: 6 }), (sentences) => {
        expect(splitSentences(sentences.join(''), 'ja')).toEqual(sentences);
      }),
      { numRuns: 200 },
    );
  });

  it('reads the README demo and the corpus sentences that used to be cut', () => {
    expect(splitSentences('A magnitude 6.8 earthquake struck off Chile, the U.S. Geological Survey said. Residents of Valparaíso ran into the streets.', 'en')).toEqual([
      'A magnitude 6.8 earthquake struck off Chile, the U.S. Geological Survey said.',
      'Residents of Valparaíso ran into the streets.',
    ]);
    expect(splitSentences('The report pins responsibility directly on President Vladimir V. Putin. Officials agreed.', 'en')).toEqual([
      'The report pins responsibility directly on President Vladimir V. Putin.',
      'Officials agreed.',
    ]);
  });

  it('still ends sentences at line breaks and keeps every sentence verbatim', () => {
    expect(splitSentences('A headline without a stop\nThe lead. The second one.', 'en')).toEqual(['A headline without a stop', 'The lead.', 'The second one.']);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.constantFrom('en', 'ja', 'de', undefined), (text, locale) => {
        let from = 0;
        for (const sentence of splitSentences(text, locale)) {
          const at = text.indexOf(sentence, from);
          expect(at).toBeGreaterThanOrEqual(0);
          from = at + sentence.length;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('uses the language\'s own CLDR abbreviations: German ordinals and "z.B.", French "M."', () => {
    expect(splitSentences('Die Firma, z.B. die Deutsche Bank, sagte am 3. März nichts. Dann stieg der Kurs.', 'de')).toHaveLength(2);
    expect(splitSentences('M. Macron a parlé. Mme Le Pen a répondu.', 'fr')).toEqual(['M. Macron a parlé.', 'Mme Le Pen a répondu.']);
  });
});

describe('endsOnAbbreviation and isCompleteSentence', () => {
  it('a text ending on an abbreviation or an initial is a fragment, not a sentence', () => {
    for (const fragment of ['shaking buildings in Santiago, the U.S.', 'President Vladimir V.', 'met with Dr.', 'at 9 a.m.', 'shares of Apple Inc.', 'such as e.g.']) {
      expect(endsOnAbbreviation(fragment, 'en'), fragment).toBe(true);
      expect(isCompleteSentence(fragment, 'en'), fragment).toBe(false);
    }
    for (const sentence of ['The U.S. Geological Survey said so.', 'Putin spoke.', 'It rose 2.5 percent.', '「停戦は近い」と語った。']) {
      expect(endsOnAbbreviation(sentence, 'en'), sentence).toBe(false);
      expect(isCompleteSentence(sentence, 'en'), sentence).toBe(true);
    }
  });
});

/** The ways a summary of two sentences may be read back: one whole sentence, or two joined by a space. */
function summarySentences(summary: string, candidates: Set<string>): string[] | undefined {
  if (candidates.has(summary)) return [summary];
  for (let at = summary.indexOf(' '); at !== -1; at = summary.indexOf(' ', at + 1)) {
    const [first, second] = [summary.slice(0, at), summary.slice(at + 1)];
    if (candidates.has(first) && candidates.has(second)) return [first, second];
  }
  return undefined;
}

describe('summaries never splice', () => {
  it('every summary sentence is a whole sentence of one item and never ends on an abbreviation (property)', () => {
    const itemsArb = fc.array(fc.array(sentenceArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(itemsArb, fc.integer({ min: 60, max: 400 }), (items, maxChars) => {
        const story = fixtureStory(
          'story',
          items.map((sentences, index) => fixtureItem({ sourceName: `Outlet ${index}`, language: 'en', title: `Officials act ${index}`, text: sentences.join(' ') })),
        );
        const { summary } = summarizeExtractive(story, { maxChars });
        if (summary === '') return;
        const whole = new Set(items.flat());
        const parts = summarySentences(summary, whole);
        expect(parts, summary).toBeDefined();
        for (const part of parts!) {
          expect(ABBREVIATION_TOKENS.filter((token) => part.endsWith(` ${token}`)), part).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('long texts', () => {
  // A feed's content:encoded may hold a whole article of 200,000 characters.
  const article = (repeats: number) => 'Officials said on Tuesday that the plan would go ahead. Mr. Smith agreed. '.repeat(repeats);

  it.each([
    ['splitSentences', (text: string) => splitSentences(text, 'en')],
    ['words', (text: string) => words(text, 'en')],
  ])('%s works in proportion to the text', (_name, run) => {
    const work = (repeats: number) => segmenterWork(() => run(article(repeats)));
    // Twice the text, twice the work (segmenting the whole text at once took four times as much).
    expect(work(2000)).toBeLessThan(2.5 * work(1000));
  });
});
