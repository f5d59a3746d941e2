import type { Item } from '../feeds/item.js';
import { guessLanguageFromScript, primaryLanguage } from '../feeds/language.js';
import { guessLatinLanguage } from '../feeds/latin-language.js';

/**
 * An item's language: its declared tag, else a guess from its title and the start of its text,
 * by script, and for Latin script by function words (a German feed that declares nothing is
 * read with German rules and framed in German, not taken for English).
 */
export function itemLanguage(item: Item): string | undefined {
  const declared = primaryLanguage(item.language);
  if (declared !== undefined) return declared;
  const sample = `${item.title} ${item.text.slice(0, 200)}`;
  return guessLanguageFromScript(sample) ?? guessLatinLanguage(sample);
}

/** The language most of a story's items are in (ties go to the earliest item); undefined when none is known. */
export function dominantLanguage(items: Item[]): string | undefined {
  const counts = new Map<string, number>();
  for (const item of items) {
    const language = itemLanguage(item);
    if (language) counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [language, count] of counts) if (best === undefined || count > counts.get(best)!) best = language;
  return best;
}

/** Languages written without spaces between words or sentences. */
export function isSpacelessLanguage(language: string | undefined): boolean {
  return language === 'ja' || language === 'zh' || language === 'th';
}
