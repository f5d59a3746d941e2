import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmenter, segments } from '../../src/text/segmenter.js';
import { segmenterWork } from '../support/segmenter-work.js';

type Granularity = 'sentence' | 'word' | 'grapheme';

/** Pieces of news text in the scripts feeds bring, and the runs that stretch segment rules. */
const FRAGMENTS = [
  'The ',
  'U.S. ',
  'government',
  ' said ',
  'on Tuesday. ',
  'Mr. Smith ',
  "don't ",
  '3.14 ',
  '1,000,000',
  '(see above). ',
  '“Quoted.” ',
  'etc. and so on',
  '\n',
  '\n\n',
  '   ',
  'naïve café e\u0301te\u0301 ',
  '東京都は月曜日、新しい計画を発表した。',
  '政府は経済対策を決定し',
  'カタカナニュース',
  '「そうだ。」と述べた。',
  '中华人民共和国国务院今天宣布',
  '经济增长率为百分之五，',
  '대한민국 정부는 발표했다. ',
  'ประเทศไทยมีประชากรมาก ',
  'Москва сообщила. ',
  'भारत सरकार ने कहा। ',
  '१२। ३४। ',
  'مرحبا بالعالم. ',
  '👨‍👩‍👧‍👦',
  '🇯🇵🇺🇸',
  '👍🏽 ',
  'a'.repeat(70),
  '-'.repeat(50),
  '日本'.repeat(30),
];

const text = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((parts) => parts.join(''));

const whole = (input: string, locale: string | undefined, granularity: Granularity) =>
  Array.from(segmenter(locale, granularity).segment(input), ({ segment, index, isWordLike }) => ({ segment, index, isWordLike }));

describe('segments', () => {
  it('finds the segments of the whole text, window by window (property)', () => {
    fc.assert(
      fc.property(
        text,
        fc.constantFrom<Granularity>('sentence', 'word', 'grapheme'),
        fc.constantFrom(undefined, 'en', 'ja', 'zh', 'th'),
        fc.integer({ min: 40, max: 400 }),
        (input, granularity, locale, window) => {
          const windowed = Array.from(segments(input, locale, granularity, window), ({ segment, index, isWordLike }) => ({ segment, index, isWordLike }));
          expect(windowed).toEqual(whole(input, locale, granularity));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('leaves a full stop to the next window while what follows it may still read on', () => {
    // ICU reads on over the dashes to "naïve": lower case, so no sentence ends after "above).".
    const input = `(see above). 👍🏽 ${'-'.repeat(50)}naïve café été `;
    expect(Array.from(segments(input, undefined, 'sentence', 45), ({ segment }) => segment)).toEqual([input]);
  });

  it.each<Granularity>(['sentence', 'word', 'grapheme'])('segments by %s with work in proportion to the text', (granularity) => {
    const article = (repeats: number) => 'Officials said on Tuesday that the plan, 東京都の計画, would go ahead. 👨‍👩‍👧‍👦\n'.repeat(repeats);
    const work = (repeats: number) => segmenterWork(() => Array.from(segments(article(repeats), 'en', granularity)));
    // Twice the text, twice the work (segmenting the whole text at once took four times as much).
    expect(work(2000)).toBeLessThan(2.5 * work(1000));
  });

  it('segments sentences without letters, ended by a danda, with work in proportion to the text', () => {
    // A sentence end waits for what settles it: with no letter to come, the next terminator must do.
    const work = (repeats: number) => segmenterWork(() => Array.from(segments('१२। ३४। '.repeat(repeats), 'hi', 'sentence')));
    expect(work(8000)).toBeLessThan(2.5 * work(4000));
  });
});
