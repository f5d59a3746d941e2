/**
 * The one text folding for comparison: feed normalization hashes content with it (exact
 * dedup), and fingerprints, short-text keys and clustering tokens all see the same folded
 * text, so two layers never disagree about whether texts are "the same".
 */

/**
 * Runs of whitespace and lone whitespace other than a space: the same result as replacing every
 * run, without rewriting the single spaces that are nearly all of a text's whitespace.
 */
const WHITESPACE_TO_FOLD = /\s{2,}|[^\S ]/g;

/** Whether a UTF-16 code unit is whitespace as /\s/ and String.prototype.trim see it. */
export function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Every run of whitespace (line breaks too) made one space. */
export function whitespaceRunsToSpace(text: string): string {
  return text.replace(WHITESPACE_TO_FOLD, ' ');
}

/** Whitespace other than a space or a line break. */
const OTHER_WHITESPACE = /[^\S \n]/;

/**
 * A code unit from U+0300 (the combining marks) on, or for NFKC also one of the few below it with
 * a compatibility mapping (no-break space, ¨ ª ¯ ² ³ ´ µ ¸ ¹ º ¼ ½ ¾, Ĳ ĳ Ŀ ŀ ŉ ſ, the digraphs
 * Ǆ…ǌ Ǳ…ǳ, the modifier letters ʰ…ʸ, ˘…˝, ˠ…ˤ): below U+0300 every other character is its own
 * normal form and none combines with its neighbours, so a text without one is normal already
 * (the normalizer would copy it only to find that out), accented Latin text included.
 */
const MAY_CHANGE_UNDER_NFC = /[\u0300-\uffff]/;
const MAY_CHANGE_UNDER_NFKC = /[\u0300-\uffff\u00a0\u00a8\u00aa\u00af\u00b2-\u00b5\u00b8-\u00ba\u00bc-\u00be\u0132\u0133\u013f\u0140\u0149\u017f\u01c4-\u01cc\u01f1-\u01f3\u02b0-\u02b8\u02d8-\u02dd\u02e0-\u02e4]/;

/** Any character beyond ASCII: a cheaper search than MAY_CHANGE_UNDER_NFKC, which an ASCII text (NFKC as it is) then skips. */
const NON_ASCII = /[\u0080-\uffff]/;

function mayChangeUnderNfkc(text: string): boolean {
  return NON_ASCII.test(text) && MAY_CHANGE_UNDER_NFKC.test(text);
}

/** `text` in NFC, without a copy when it is already. */
function toNfc(text: string): string {
  return MAY_CHANGE_UNDER_NFC.test(text) ? text.normalize('NFC') : text;
}

/** `text` in NFKC, without a copy when it is already. */
function toNfkc(text: string): string {
  return mayChangeUnderNfkc(text) ? text.normalize('NFKC') : text;
}

/**
 * A text in NFC, and whether it is in NFKC as well. Every field is always present (nfkc
 * undefined when not needed): one object shape, which the hot readers of it load fast.
 */
export interface NormalForms {
  text: string;
  inNfkc: boolean;
  /** The text in NFKC, when it is not: its comparison fold starts from it. */
  nfkc: string | undefined;
}

/**
 * `text` in NFC, and whether it is in NFKC as well: a text in NFKC is in NFC already (NFKC
 * applies NFC's canonical mappings and more), so one normalizer pass answers for both forms,
 * the reader's and the comparison's.
 */
export function inNormalForms(text: string): NormalForms {
  if (!mayChangeUnderNfkc(text)) return { text, inNfkc: true, nfkc: undefined };
  const nfkc = text.normalize('NFKC');
  // A text not in NFKC keeps its NFKC form, which its comparison fold starts from (normalizeForComparison).
  return nfkc === text ? { text, inNfkc: true, nfkc: undefined } : { text: toNfc(text), inNfkc: false, nfkc };
}

/**
 * normalizeForComparison of a text in NFKC made of folded lines (single spaces, none at either
 * end of a line, no empty line), as the HTML reader makes it: lower-casing it and joining its
 * lines is all the fold would do, so its checks, copies and normalizer pass are skipped.
 */
export function foldedLinesForComparison(text: string): string {
  return text.toLowerCase().replaceAll('\n', ' ');
}

/**
 * NFKC-normalized, lower-cased text with runs of whitespace folded to one space. `nfkc`, when
 * given, is the text in NFKC already (inNormalForms made it): it is not normalized again.
 */
export function normalizeForComparison(text: string, nfkc = toNfkc(text)): string {
  const folded = nfkc.toLowerCase();
  // Item texts are lines of single-spaced words: when their breaks become spaces and no two
  // spaces meet, every run was one character, and the regex fold would give the same.
  if (!OTHER_WHITESPACE.test(folded)) {
    const spaced = folded.replaceAll('\n', ' ');
    if (!spaced.includes('  ')) return spaced.trim();
  }
  return whitespaceRunsToSpace(folded).trim();
}
