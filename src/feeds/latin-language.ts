/**
 * A guess of the language of a Latin-script text from its function words, for the many feeds
 * that declare no language (Golem.de, heise online): the script says nothing there, and read as
 * English a German article gets English sentence rules and an English frame. Only common
 * languages of news feeds are told apart, each by short words frequent in it and not written in
 * the others; a guess needs several of them and a clear lead, so a stray English "die" or "war"
 * cannot make a headline German. Meant for summaries and frames, not for ingest, where every
 * item passes: splitting a text into words costs more than counting its scripts (about 4 µs for
 * a title and 200 characters).
 */

/** Stands for the Latin-script languages not told apart: a text in one of them gets no guess. */
const OTHER = 'other';

/**
 * Frequent function words of each language (lower case, as written). A word listed for two
 * languages tells neither, so it is dropped from both below: the lists may be written without
 * checking each other. Words that are common in English too (French "son" and "plus", Spanish
 * "sin", Italian "come") are left out.
 */
const FUNCTION_WORDS: Record<string, string> = {
  en: 'the and of to is was are were for with that this from by has have had its it be been will would not after over than which who they their he she his her what about into says said',
  de: 'der die das den dem des und ist sind war es nicht mit für von vom zum zur ein eine einen einem einer auf sich auch im bei nach aus wird werden wurde noch nur wie über oder sie er ich wir dass kein keine hat vor zu um bis durch gegen seit mehr diese dieser ihre seine beim soll kann muss',
  fr: 'de en le les des du et est une pour dans sur au aux avec pas ce cette qui sont ont il elle par mais ou ses leur été être sa',
  es: 'de en el los las del y que por para con una es su sus al lo como más pero fue han está este esta sobre también entre ha',
  it: 'il di che della delle degli del nel nella per con una è gli sono non ha anche alla dei dal dalla più sul sulla ma questo questa uno alle agli dello nei sui tra fra cui loro stato stata hanno dopo',
  pt: 'de do da dos das em um uma não que por para com os ao no na nos nas é mais foi são seu sua pelo pela como também ou ser já ele ela até após nesta neste',
  nl: 'de het een van en is niet zijn voor op met dat deze wordt werd naar ook bij hij zij er aan maar om dan nog al worden heeft hebben door uit tot geen haar hun ze onder tegen wel nu omdat waar wat zich',
  // Frequent words of other languages written in Latin script (Swedish, Danish and Norwegian,
  // Polish, Czech and Slovak, Hungarian, Turkish, Romanian, Finnish): their evidence competes
  // with the rest, so a Swedish "den" or a Slovak "na" does not make a text German or Portuguese.
  // None that the languages above use often ("se", "je", "nie", "nem", "mai").
  [OTHER]: 'och att det är som på av till inte ett og af til ikke się jest że na w z od przez dla že v pri ako aj és az hogy egy ve bir bu için ile și în că ja ei että',
};

/** Each word to the one language it tells. */
const LANGUAGE_OF_WORD: ReadonlyMap<string, string> = (() => {
  const seen = new Map<string, string | null>();
  for (const [language, list] of Object.entries(FUNCTION_WORDS)) {
    for (const word of list.split(' ')) seen.set(word, seen.has(word) && seen.get(word) !== language ? null : language);
  }
  return new Map([...seen].flatMap(([word, language]) => (language === null ? [] : [[word, language] as [string, string]])));
})();

/**
 * Evidence a guess needs: this many function words of the winning language (a headline rarely
 * has them; a title with the start of its text usually does), and this many times those of any
 * other. Too little evidence gives no guess, and a text without one is read by English rules
 * and framed in English.
 */
const MIN_WORDS = 3;
const LEAD_FACTOR = 3;

/** How much text is looked at: a title and the start of a text say it. */
const SAMPLE_LENGTH = 400;

const WORD = /\p{L}+/gu;

/**
 * The language of a Latin-script text (en, de, fr, es, it, pt or nl) by its function words;
 * undefined when they are too few or point two ways, as in a short headline or a language not
 * among these.
 */
export function guessLatinLanguage(text: string): string | undefined {
  const counts = new Map<string, number>();
  for (const [word] of text.slice(0, SAMPLE_LENGTH).toLowerCase().matchAll(WORD)) {
    const language = LANGUAGE_OF_WORD.get(word);
    if (language !== undefined) counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  const [best, second] = [...counts].sort((a, b) => b[1] - a[1]);
  if (best === undefined || best[0] === OTHER || best[1] < MIN_WORDS || best[1] < LEAD_FACTOR * (second?.[1] ?? 0)) return undefined;
  return best[0];
}
