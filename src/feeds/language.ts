/**
 * Scripts that name a language well enough for a briefing (sentence splitting, section
 * grouping) when a feed declares none. Latin script says nothing useful, so it only competes.
 */
const SCRIPTS: { language: string | undefined; pattern: RegExp }[] = [
  { language: undefined, pattern: /\p{Script=Latin}/gu },
  { language: 'ja', pattern: /[\p{Script=Hiragana}\p{Script=Katakana}]/gu },
  { language: 'zh', pattern: /\p{Script=Han}/gu },
  { language: 'ko', pattern: /\p{Script=Hangul}/gu },
  { language: 'ru', pattern: /\p{Script=Cyrillic}/gu },
  { language: 'el', pattern: /\p{Script=Greek}/gu },
  { language: 'he', pattern: /\p{Script=Hebrew}/gu },
  { language: 'ar', pattern: /\p{Script=Arabic}/gu },
  { language: 'th', pattern: /\p{Script=Thai}/gu },
  { language: 'hi', pattern: /\p{Script=Devanagari}/gu },
];

/** Japanese mixes kanji with kana; a few kana among many Han characters is still Chinese. */
const KANA_SHARE_FOR_JAPANESE = 0.05;

/** Letters only Ukrainian writes in Cyrillic (Russian has none of them). */
const UKRAINIAN_LETTERS = /[ґєї]/iu;

/** How much text the script count looks at: enough to be sure, cheap on long articles. */
const SAMPLE_LENGTH = 2000;

/**
 * Declared languages that a guessed script does not contradict: a Chinese feed may carry
 * Japanese text in kanji only, a Cyrillic text may be Bulgarian, and so on.
 */
const COMPATIBLE_DECLARATIONS: Record<string, string[]> = {
  ja: ['ja', 'zh'],
  zh: ['zh', 'ja', 'ko', 'yue'],
  ko: ['ko'],
  ru: ['ru', 'uk', 'be', 'bg', 'sr', 'mk', 'kk', 'ky', 'mn', 'tg', 'tt', 'ba'],
  uk: ['uk', 'ru', 'be'],
  el: ['el'],
  he: ['he', 'yi', 'iw'],
  ar: ['ar', 'fa', 'ur', 'ps', 'ku', 'ug'],
  th: ['th'],
  hi: ['hi', 'mr', 'ne', 'sa', 'kok'],
};

/**
 * The language of a text given what its feed declares: the declaration (as a canonical BCP 47
 * tag), unless the text's script contradicts it, as in the many old CJK feeds that say "en-us";
 * then, or when nothing is declared, the script guess.
 */
export function resolveLanguage(declared: string | undefined, text: string): string | undefined {
  const tag = declared === undefined ? undefined : canonicalLanguageTag(declared);
  const guessed = guessLanguageFromScript(text);
  if (tag === undefined || guessed === undefined) return tag ?? guessed;
  const primary = tag.split('-')[0]!.toLowerCase();
  return COMPATIBLE_DECLARATIONS[guessed]?.includes(primary) ? tag : guessed;
}

/** "en_us" → "en-US"; undefined when the value is no language tag at all. */
export function canonicalLanguageTag(value: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(value.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

/**
 * A language guess from the dominant script of `text`: ja when kana appear among Han, zh for
 * Han alone, ko, ru (uk when Ukrainian-only letters appear), el, he, ar, th, hi; undefined
 * when Latin dominates or there are no letters at all.
 */
export function guessLanguageFromScript(text: string): string | undefined {
  const sample = text.slice(0, SAMPLE_LENGTH);
  const counts = new Map(SCRIPTS.map(({ language, pattern }) => [language, sample.match(pattern)?.length ?? 0]));
  const kana = counts.get('ja') ?? 0;
  const han = counts.get('zh') ?? 0;
  if (kana > 0 && kana >= KANA_SHARE_FOR_JAPANESE * (kana + han)) {
    counts.set('ja', kana + han);
    counts.delete('zh');
  }
  let best: { language: string | undefined; count: number } = { language: undefined, count: 0 };
  for (const [language, count] of counts) if (count > best.count) best = { language, count };
  if (best.language === 'ru' && UKRAINIAN_LETTERS.test(sample)) return 'uk';
  return best.language;
}
