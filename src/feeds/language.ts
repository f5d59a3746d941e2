/**
 * Scripts that name a language well enough for a briefing (sentence splitting, section
 * grouping) when a feed declares none, as code point ranges (turned into a lookup table below:
 * far faster than one Unicode-property regex per script). Latin says nothing useful, so it
 * only competes.
 */
const SCRIPT_RANGES: { script: Script; from: number; to: number }[] = [
  { script: 'latin', from: 0x41, to: 0x5a },
  { script: 'latin', from: 0x61, to: 0x7a },
  { script: 'latin', from: 0xc0, to: 0x24f },
  { script: 'greek', from: 0x370, to: 0x3ff },
  { script: 'cyrillic', from: 0x400, to: 0x52f },
  { script: 'hebrew', from: 0x590, to: 0x5ff },
  { script: 'arabic', from: 0x600, to: 0x6ff },
  { script: 'arabic', from: 0x750, to: 0x77f },
  { script: 'devanagari', from: 0x900, to: 0x97f },
  { script: 'thai', from: 0xe00, to: 0xe7f },
  { script: 'hangul', from: 0x1100, to: 0x11ff },
  { script: 'latin', from: 0x1e00, to: 0x1eff },
  { script: 'greek', from: 0x1f00, to: 0x1fff },
  { script: 'kana', from: 0x3040, to: 0x30ff },
  { script: 'hangul', from: 0x3130, to: 0x318f },
  { script: 'kana', from: 0x31f0, to: 0x31ff },
  { script: 'han', from: 0x3400, to: 0x4dbf },
  { script: 'han', from: 0x4e00, to: 0x9fff },
  { script: 'hangul', from: 0xac00, to: 0xd7af },
  { script: 'han', from: 0xf900, to: 0xfaff },
  { script: 'arabic', from: 0xfb50, to: 0xfdff },
  { script: 'arabic', from: 0xfe70, to: 0xfeff },
  { script: 'kana', from: 0xff66, to: 0xff9f },
  { script: 'han', from: 0x20000, to: 0x2fa1f },
];

/** In the order that breaks ties between equally frequent scripts: the first wins. */
const SCRIPTS = ['latin', 'greek', 'cyrillic', 'hebrew', 'arabic', 'devanagari', 'thai', 'hangul', 'kana', 'han'] as const;
type Script = (typeof SCRIPTS)[number];

/** The script of every BMP code unit, as 1 + its index in SCRIPTS (0: none): one array read per character. */
const SCRIPT_OF_BMP = new Uint8Array(0x10000);
for (const { script, from, to } of SCRIPT_RANGES.toReversed()) {
  if (from < 0x10000) SCRIPT_OF_BMP.fill(SCRIPTS.indexOf(script) + 1, from, Math.min(to, 0xffff) + 1);
}

const LANGUAGE_OF_SCRIPT: Record<Script, string | undefined> = {
  latin: undefined, greek: 'el', cyrillic: 'ru', hebrew: 'he', arabic: 'ar', devanagari: 'hi', thai: 'th', hangul: 'ko', kana: 'ja', han: 'zh',
};

/** Japanese mixes kanji with kana; a few kana among many Han characters is still Chinese. */
const KANA_SHARE_FOR_JAPANESE = 0.05;

/** Letters only Ukrainian writes in Cyrillic (Russian has none of them). */
const UKRAINIAN_LETTERS = /[ґєї]/iu;

/**
 * U+0370–U+1FFF (Greek to Greek Extended) and U+3040 on (kana, Han, Hangul, Arabic forms,
 * surrogates): every script range above but Latin's lies inside, typographic quotes and dashes
 * (U+2000–U+303F) do not. A text without any such unit needs no count; three ranges test faster
 * than the exact list.
 */
const MAY_NAME_LANGUAGE = /[\u0370-\u1fff\u3040-\ufeff\uff66-\uff9f]/;

/** How much text the script count looks at: enough to be sure, cheap on long articles. */
export const SCRIPT_SAMPLE_LENGTH = 1000;

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
  return COMPATIBLE_DECLARATIONS[guessed]?.includes(primaryLanguage(tag)!) ? tag : guessed;
}

/** The primary subtag of a BCP 47 tag, lower-cased: "ja-JP" → "ja". */
export function primaryLanguage(tag: string | undefined): string | undefined {
  const primary = tag?.trim().split(/[-_]/)[0]?.toLowerCase();
  return primary ? primary : undefined;
}

/**
 * Canonical forms of the tags seen, since every entry of a feed repeats its feed's. Bounded, as
 * a hostile feed could declare a new language per entry.
 */
const canonicalTags = new Map<string, string | undefined>();
const MAX_REMEMBERED_TAGS = 1000;

/** "en_us" → "en-US"; undefined when the value is no language tag at all. */
export function canonicalLanguageTag(value: string): string | undefined {
  if (canonicalTags.has(value)) return canonicalTags.get(value);
  if (canonicalTags.size >= MAX_REMEMBERED_TAGS) canonicalTags.clear();
  let tag: string | undefined;
  try {
    tag = Intl.getCanonicalLocales(value.trim().replace(/_/g, '-'))[0];
  } catch {
    tag = undefined;
  }
  canonicalTags.set(value, tag);
  return tag;
}

/**
 * A language guess from the dominant script of `text`: ja when kana appear among Han, zh for
 * Han alone, ko, ru (uk when Ukrainian-only letters appear), el, he, ar, th, hi; undefined
 * when Latin dominates or there are no letters at all.
 */
export function guessLanguageFromScript(text: string): string | undefined {
  const sample = text.slice(0, SCRIPT_SAMPLE_LENGTH);
  // Latin names no language: a text with no letter of another script (most feeds') needs no count.
  if (!MAY_NAME_LANGUAGE.test(sample)) return undefined;
  const counts = countScripts(sample);
  if (counts.kana > 0 && counts.kana >= KANA_SHARE_FOR_JAPANESE * (counts.kana + counts.han)) {
    counts.kana += counts.han;
    counts.han = 0;
  }
  let best: Script | undefined;
  for (const script of Object.keys(counts) as Script[]) {
    if (counts[script] > (best === undefined ? 0 : counts[best])) best = script;
  }
  const language = best === undefined ? undefined : LANGUAGE_OF_SCRIPT[best];
  return language === 'ru' && UKRAINIAN_LETTERS.test(sample) ? 'uk' : language;
}

function countScripts(text: string): Record<Script, number> {
  const tally = new Uint32Array(SCRIPTS.length + 1);
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    const low = code >= 0xd800 && code <= 0xdbff ? text.charCodeAt(index + 1) : Number.NaN;
    if (low >= 0xdc00 && low <= 0xdfff) {
      code = (code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
      index++;
    }
    tally[code < 0x10000 ? SCRIPT_OF_BMP[code]! : astralScript(code)]!++;
  }
  const counts = {} as Record<Script, number>;
  SCRIPTS.forEach((script, index) => (counts[script] = tally[index + 1]!));
  return counts;
}

/** 1 + the index in SCRIPTS of a code point beyond the BMP (0: none). */
function astralScript(code: number): number {
  const range = SCRIPT_RANGES.find(({ from, to }) => code >= from && code <= to);
  return range === undefined ? 0 : SCRIPTS.indexOf(range.script) + 1;
}
