import type { Item } from '../feeds/item.js';
import { guessLanguageFromScript, primaryLanguage } from '../feeds/language.js';
import { guessLatinLanguage } from '../feeds/latin-language.js';

/**
 * Guesses already made: a briefing asks for an item's language several times (its story's
 * language, the story's items in it, placeholders, reading order), and a guess by function
 * words costs microseconds. null: no guess.
 */
const guessed = new WeakMap<Item, string | null>();

/**
 * An item's language: its declared tag, else a guess from its title and the start of its text,
 * by script, and for Latin script by function words (a German feed that declares nothing is
 * read with German rules and framed in German, not taken for English).
 */
export function itemLanguage(item: Item): string | undefined {
  const declared = primaryLanguage(item.language);
  if (declared !== undefined) return declared;
  let guess = guessed.get(item);
  if (guess === undefined) {
    const sample = `${item.title} ${item.text.slice(0, 200)}`;
    guess = guessLanguageFromScript(sample) ?? guessLatinLanguage(sample) ?? null;
    guessed.set(item, guess);
  }
  return guess ?? undefined;
}

/** The language most of a story's items are in (ties go to the earliest item); undefined when none is known. */
export function dominantLanguage(items: Item[]): string | undefined {
  return mostCommon(languageCounts(items).known);
}

/**
 * The language a briefing of these items is framed in when none is configured: the dominant
 * one, if it is known for at least as many items as no language is known for; else undefined
 * (English). One French film title among 29 Turkish ones, which get no guess, is no French
 * briefing.
 */
export function frameLanguage(items: Item[]): string | undefined {
  const { known, unknown } = languageCounts(items);
  const best = mostCommon(known);
  return best !== undefined && known.get(best)! >= unknown ? best : undefined;
}

/** How many items are in each known language (in the order first met), and how many in none known. */
function languageCounts(items: Item[]): { known: Map<string, number>; unknown: number } {
  const known = new Map<string, number>();
  let unknown = 0;
  for (const item of items) {
    const language = itemLanguage(item);
    if (language) known.set(language, (known.get(language) ?? 0) + 1);
    else unknown += 1;
  }
  return { known, unknown };
}

/** The most frequent key; on a tie the first. */
function mostCommon(counts: Map<string, number>): string | undefined {
  let best: string | undefined;
  for (const [key, count] of counts) if (best === undefined || count > counts.get(best)!) best = key;
  return best;
}

/** Languages written without spaces between words or sentences. */
export function isSpacelessLanguage(language: string | undefined): boolean {
  return language === 'ja' || language === 'zh' || language === 'th';
}
