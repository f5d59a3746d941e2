/** Script tests and word splitting for shingles.ts, over text already folded by normalizeForComparison (src/text/fold.ts). */

const SPACELESS_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const LETTER = /\p{L}/u;

/**
 * True when most letters belong to scripts written without spaces between words (Han, kana,
 * Thai …). Decided from the characters, not the language tag: feeds mislabel their language
 * often, and an English feed quoting a Japanese headline should still be shingled as words.
 */
export function isMostlySpaceless(text: string): boolean {
  let letters = 0;
  let spaceless = 0;
  for (const char of text) {
    if (!LETTER.test(char)) continue;
    letters += 1;
    if (SPACELESS_CHAR.test(char)) spaceless += 1;
  }
  return letters > 0 && spaceless * 2 >= letters;
}

/** Words of a space-separated text: runs of letters, digits and joining marks. */
export function splitWords(normalized: string): string[] {
  return normalized.match(/[\p{L}\p{N}\p{M}]+(?:['’.,][\p{L}\p{N}\p{M}]+)*/gu) ?? [];
}
