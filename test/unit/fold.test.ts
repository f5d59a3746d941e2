import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectPairsBelowAreNormal } from '../support/normal-form-pairs.js';
import { isWhitespace, normalizeForComparison, whitespaceRunsToSpace } from '../../src/text/fold.js';

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
});
