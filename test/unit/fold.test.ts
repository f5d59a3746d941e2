import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectPairsBelowAreNormal } from '../support/normal-form-pairs.js';
import { foldedLinesForComparison, inNormalForms, isWhitespace, normalizeForComparison, whitespaceRunsToSpace } from '../../src/text/fold.js';

/** Text made mostly of whitespace of every kind, so runs, lone breaks and mixes all occur. */
const whitespaceHeavy = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u200b'), maxLength: 40 });

describe('isWhitespace', () => {
  it('agrees with /\\s/ on every UTF-16 code unit', () => {
    for (let code = 0; code <= 0xffff; code++) expect(isWhitespace(code), code.toString(16)).toBe(/\s/.test(String.fromCharCode(code)));
  });
});

describe('whitespaceRunsToSpace', () => {
  it('makes every run of whitespace one space, as a replace of \\s+ does', () => {
    fc.assert(fc.property(whitespaceHeavy, (text) => {
      expect(whitespaceRunsToSpace(text)).toBe(text.replace(/\s+/g, ' '));
    }));
  });

  it('keeps single spaces and folds everything else', () => {
    expect(whitespaceRunsToSpace('a b\tc\n\nd \u00a0e')).toBe('a b c d e');
  });
});

describe('normalizeForComparison', () => {
  it('folds width, case and whitespace', () => {
    expect(normalizeForComparison(' Ｔｏｋｙｏ\u00a0 News\n')).toBe('tokyo news');
  });

  it('gives what folding every whitespace run after NFKC and lower-casing gives, line breaks and all', () => {
    const lines = fc.string({ unit: fc.constantFrom('a', 'É', 'ﬁ', 'Ｔ', ' ', '  ', '\n', '\n\n', '\t', '\u00a0', '\u2003', '\u3000'), maxLength: 40 });
    fc.assert(fc.property(lines, (text) => {
      expect(normalizeForComparison(text)).toBe(whitespaceRunsToSpace(text.normalize('NFKC').toLowerCase()).trim());
    }), { numRuns: 2000 });
  });

  it('skips NFKC only where it changes nothing: every pair of code units below U+00A0 is NFKC already', () => {
    expectPairsBelowAreNormal('NFKC', 0xa0);
    expect(normalizeForComparison('ASCII Only\tText')).toBe('ascii only text');
  });

  it('skips NFKC only where it changes nothing: every pair of code units below U+0300 without a compatibility mapping is NFKC already', () => {
    for (let first = 0; first < 0x300; first++) {
      for (let second = 0; second < 0x300; second++) {
        const pair = String.fromCharCode(first, second);
        if (inNormalForms(pair).inNfkc !== (pair.normalize('NFKC') === pair)) expect.fail(`inNormalForms is wrong about ${first.toString(16)} ${second.toString(16)}`);
      }
    }
    expect(normalizeForComparison('Café Ĳssel ½')).toBe('café ijssel 1⁄2');
  });
});

/** Code units that NFKC keeps, composes, decomposes or widens, and that lower-case in one or two units. */
const normalFormUnits = fc.constantFrom('a', 'Z', 'é', 'e', '\u0301', 'ﬁ', 'Ｔ', '\u00a0', '’', '…', 'Σ', 'İ', 'ß', '\u212a', 'Å', '\u00a8', '東');

describe('inNormalForms', () => {
  it('gives the text in NFC, whether NFKC leaves it as it is, and else its NFKC form, from which it folds for comparison as from itself', () => {
    fc.assert(fc.property(fc.string({ unit: normalFormUnits, maxLength: 12 }), (text) => {
      const { text: nfc, inNfkc, nfkc } = inNormalForms(text);
      expect(nfc).toBe(text.normalize('NFC'));
      expect(inNfkc).toBe(text.normalize('NFKC') === text);
      expect(nfkc).toBe(inNfkc ? undefined : text.normalize('NFKC'));
      expect(normalizeForComparison(nfc, nfkc)).toBe(normalizeForComparison(text));
    }), { numRuns: 2000 });
  });
});

describe('foldedLinesForComparison', () => {
  /** Folded lines, as the HTML reader makes them: words between single spaces, no empty line. */
  const foldedLines = fc.array(fc.array(fc.string({ unit: normalFormUnits, minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }).map((words) => words.join(' ')), { minLength: 1, maxLength: 4 })
    .map((lines) => lines.join('\n'));

  it('gives normalizeForComparison of folded lines in NFKC', () => {
    fc.assert(fc.property(foldedLines.filter((text) => text.normalize('NFKC') === text), (text) => {
      expect(foldedLinesForComparison(text)).toBe(normalizeForComparison(text));
    }), { numRuns: 2000 });
    expect(foldedLinesForComparison('ΟΔΟΣ Big\nNews')).toBe('οδος big news');
  });
});
