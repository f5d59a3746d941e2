import { words } from '../summarize/sentences.js';

/**
 * Keyword patterns for boosts, mutes and "important": safe by construction, no user regex.
 *
 * - Plain words match whole words, case-insensitively: `apple` matches "Apple's" but not "pineapple".
 * - Several words match as a phrase: `central bank`.
 * - A trailing `*` matches any word that starts with the rest: `crypto*` matches "cryptocurrency".
 * - A pattern in a script written without spaces (Japanese, Chinese, Thai) matches as a substring,
 *   since word segmentation of a keyword alone and of a sentence need not agree.
 *
 * Matching is a scan of the text's words per pattern: time linear in the text, whatever the pattern.
 */
export interface KeywordMatcher {
  /** Whether any pattern occurs in the text. */
  matches(text: string): boolean;
}

interface WordPattern {
  kind: 'words';
  terms: { word: string; prefix: boolean }[];
}

interface SubstringPattern {
  kind: 'substring';
  needle: string;
}

type Pattern = WordPattern | SubstringPattern;

const SPACELESS_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

/** Why a keyword pattern cannot be used, or undefined when it can (for config validation). */
export function keywordPatternProblem(pattern: string): string | undefined {
  return compilePattern(pattern) ? undefined : 'must contain at least one letter or digit';
}

function compilePattern(pattern: string): Pattern | undefined {
  const normalized = pattern.normalize('NFKC').toLowerCase().trim();
  if (SPACELESS_SCRIPT.test(normalized)) return { kind: 'substring', needle: normalized.replace(/\s+/g, '') };
  const terms = normalized.split(/\s+/).flatMap((chunk) => {
    const chunkWords = words(chunk.replace(/\*+$/, ''));
    const prefixLast = chunk.endsWith('*');
    return chunkWords.map((word, i) => ({ word, prefix: prefixLast && i === chunkWords.length - 1 }));
  });
  return terms.length > 0 ? { kind: 'words', terms } : undefined;
}

/** Compiles patterns once; patterns without a letter or digit are ignored (config rejects them). */
export function compileKeywords(patterns: readonly string[]): KeywordMatcher {
  const compiled = patterns.map(compilePattern).filter((p): p is Pattern => p !== undefined);
  if (compiled.length === 0) return { matches: () => false };
  const needsWords = compiled.some((p) => p.kind === 'words');
  return {
    matches(text: string): boolean {
      const normalized = text.normalize('NFKC').toLowerCase();
      const textWords = needsWords ? words(normalized).map(withoutPossessive) : [];
      const spaceless = normalized.replace(/\s+/g, '');
      return compiled.some((pattern) => (pattern.kind === 'substring' ? spaceless.includes(pattern.needle) : phraseOccurs(pattern.terms, textWords)));
    },
  };
}

function phraseOccurs(terms: WordPattern['terms'], textWords: string[]): boolean {
  const termMatches = (term: WordPattern['terms'][number], word: string) => (term.prefix ? word.startsWith(term.word) : word === term.word);
  for (let start = 0; start + terms.length <= textWords.length; start += 1) {
    if (terms.every((term, offset) => termMatches(term, textWords[start + offset]!))) return true;
  }
  return false;
}

/** "apple's" → "apple", so a keyword matches its possessive. */
function withoutPossessive(word: string): string {
  return word.replace(/['’]s$/, '');
}
