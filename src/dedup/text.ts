/**
 * Text normalization shared by every dedup layer: fingerprints, exact short-text keys and
 * clustering tokens all see the same NFKC, case-folded, whitespace-folded text.
 */

/** NFKC-normalized, lower-cased text with runs of whitespace folded to one space. */
export function normalizeForComparison(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

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
