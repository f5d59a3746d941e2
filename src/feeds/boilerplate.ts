/**
 * What publishers append to an entry's text that is not the news: credits and bylines,
 * "Read more" links, WordPress's "The post … appeared first on …", elision marks and photo
 * credits. Taken out once at normalization, so dedup, clustering and summaries never see them.
 * Every pattern is compiled once here; a line is only tested against them.
 */

/** Lines that are only a link to the rest: "Read more", "Continue reading →", "Read more about X here." */
const READ_MORE_LINE =
  /^[[(]?\s*(?:read (?:more|the (?:full|whole|rest)|on)|continue reading|keep reading|full story|to read (?:this|the) (?:article|story) in full|click here)\b.{0,100}$/iu;
/**
 * What may follow "Produced and", "Reporting and" in a credit: only credit words, so a paragraph
 * opening "Produced and directed by Jane Doe, the film …" is news, not a credit.
 */
const COORDINATED_CREDIT_WORDS = ['reporting', 'writing', 'editing', 'research', 'reported', 'written', 'edited', 'produced', 'compiled'];
/** " and edited", case-insensitive (the hint words' form). */
const AND_CREDIT_WORD = ` and (?:${COORDINATED_CREDIT_WORDS.join('|')})`;
/** " and edited" or " and Edited", as credits are written. */
const AND_CREDIT_WORD_WRITTEN = ` and (?:${COORDINATED_CREDIT_WORDS.map((word) => `[${word.charAt(0)}${word.charAt(0).toUpperCase()}]${word.slice(1)}`).join('|')})`;
/**
 * Credits: "(Reporting by Jane Doe; Editing by John Smith)", "Writing by Jan Lopatka", "(Produced
 * and edited by Jane Doe)". "Written", "Reported" and "Edited" begin only a coordinated credit:
 * alone they begin news too ("Reported by The Times on Monday, the deal …"). Outside brackets a
 * name must follow "by", so "Writing by hand helps" is left alone.
 */
const CREDIT = String.raw`(?:(?:(?:[Aa]dditional )?[Rr]eporting|Writing|Editing|Compiled|Research|Produced)(?:${AND_CREDIT_WORD_WRITTEN})?|(?:Written|Reported|Edited)${AND_CREDIT_WORD_WRITTEN}) by `;
/**
 * A line that is a credit in brackets, or that opens with one and a name (the `opening` group):
 * that one is a credit line only when it goes on as a list of names (isCreditLine), since
 * "Produced by Steven Spielberg, the film opens Friday." opens a sentence the same way.
 */
const CREDIT_LINE = new RegExp(String.raw`^(?:\(\s*${CREDIT}.{0,300}\)|(?<opening>${CREDIT}\p{Lu}.{0,300}))$`, 'u');
/**
 * Where the first name of a credit ends: ", ", "; ", ": ", a dash, or ". " after a word (not an
 * initial: "J. Doe"). What comes before is the name with where or for whom ("Jane Doe in
 * Frankfurt", "Jane Doe for NPR", "Jane Doe from wire reports"); what comes after is more names
 * and credits, or the clause of a sentence.
 */
const AFTER_FIRST_NAME = /(?:[,;:]|(?<=\p{Ll})\.)\s|[–—]/u;
/**
 * The lower-case words a credit's list of names holds: list and place words, "by", "additional",
 * desks ("the Europe desk", "Reuters staff") and the particles of names ("Ana de la Cruz",
 * "Jan van Dijk", "Ali bin Said").
 */
const CREDIT_LIST_WORDS = ['and', 'by', 'in', 'for', 'at', 'on', 'of', 'the', 'with', 'from', 'via', 'additional', 'staff', 'desk', 'newsroom', 'bureau',
  'de', 'da', 'das', 'do', 'dos', 'du', 'del', 'della', 'der', 'den', 'di', 'la', 'le', 'van', 'von', 'ten', 'ter', 'bin', 'ibn', 'al', 'el', 'y', 'e', 'd'];
/**
 * A lower-case word that is neither one of those nor a credit's ("edited by", "mixed by"): the
 * verb or noun of a clause. The start of a word only: not after an apostrophe, a hyphen, "@" or
 * a dot ("O'Neil", "al-Hassan", "@janedoe", "reuters.com").
 */
const CLAUSE_WORD = new RegExp(String.raw`(?<![\p{L}\p{M}\p{N}'’@._/-])(?!(?:${CREDIT_LIST_WORDS.join('|')})(?![\p{L}\p{M}\p{N}])|\p{Ll}[\p{L}\p{M}-]* by\s)\p{Ll}`, 'u');
/** WordPress's footer: "The post Title appeared first on Site." */
const POST_APPEARED_LINE = /^the post .{1,300} appeared first on .{1,150}$/iu;
/** A photo's caption or credit line: "Image by X/IDG", "Photo: AP", "Image credits: …", or a caption ending "(AP Photo/Name)". */
const CAPTION_LINE = /^(?:(?:photo(?:graph)?|image|picture|illustration)s?(?: credits?)?\s*(?::|by\b).{0,120}|.{0,400}\((?:\w+ )?(?:photo|photograph)(?:\s*[:/]|\s+by\s)[^()]{0,100}\))$/iu;

/** The same credits in brackets inside a line. */
const CREDIT_IN_BRACKETS = new RegExp(String.raw`\s*\(\s*${CREDIT}[^()]{1,300}\)`, 'gu');
/** "… The post Title appeared first on Site." at the end of a line. */
const POST_APPEARED_TAIL = /\s*the post .{1,300}? appeared first on [^\n]{1,150}$/iu;
/** "Click the read more link to see the code.", "click here to read more": the sentence around it only points elsewhere. */
const CLICK_HERE = /\bclick(?:ing)?\s+(?:on\s+)?(?:the\s+)?(?:read more|here)\b/iu;
/**
 * "[…]", "[...]", "[read more]", "… Read more »", "Continue reading Title →" after the text of
 * a line; unbracketed only when capitalized, so "we should all read more" keeps its words.
 */
const MARKER_TAIL = /\s*(?:\[\s*(?:…|\.\.\.|[Rr]ead [Mm]ore|[Mm]ore|[Cc]ontinue [Rr]eading)\s*\]|\(?\s*(?:Read [Mm]ore|READ MORE|Continue [Rr]eading|Keep [Rr]eading)\b[^.!?\n]{0,80}?)\s*[»›→)\]]*\s*$/u;
/** "[…]" or "[...]" between sentences: a publisher's elision. */
const ELISION = /\s*\[\s*(?:…|\.\.\.)\s*\]/gu;
/** A line that already ends as a sentence ends: then a removed tail was not cutting a sentence short. */
const ENDS_SENTENCE = /[.!?。！？"'”’»)\]]$/u;

/**
 * The words every pattern above needs: a line without any of them is left alone without trying
 * the patterns. None spans a line break, so one scan of the whole text finds the lines to clean.
 * The words are grouped by first letter (read more|the|on|this, continue reading, keep reading,
 * full story, click, appeared first, photo, image, picture, illustration, and "reporting|writing|
 * editing|compiled|research|produced by", each also with " and edited" or another credit word
 * before "by", and "reported|written|edited and … by"), so the scan tries one branch per
 * character; the remaining hint, "[", is found with indexOf, since a one-character branch would
 * stop the regex engine from skipping ahead.
 */
const HINT_WORDS = new RegExp(
  String.raw`c(?:ontinue reading|lick|ompiled(?:${AND_CREDIT_WORD})? by)|r(?:ead (?:more|the|on|this)|eporting(?:${AND_CREDIT_WORD})? by|eported${AND_CREDIT_WORD} by|esearch(?:${AND_CREDIT_WORD})? by)|keep reading|full story|appeared first|p(?:hoto|icture|roduced(?:${AND_CREDIT_WORD})? by)|i(?:mage|llustration)|w(?:riting(?:${AND_CREDIT_WORD})?|ritten${AND_CREDIT_WORD}) by|e(?:diting(?:${AND_CREDIT_WORD})?|dited${AND_CREDIT_WORD}) by`,
  'gi',
);

/**
 * HINT_WORDS (all lower-case) matched case-sensitively from a position on (lastIndex), for texts
 * lower-cased already: a faster scan. Each candidate found in a fold is confirmed in the text with HINT_WORD_AT.
 */
const LOWER_CASE_HINT_WORDS_FROM = new RegExp(HINT_WORDS.source, 'g');
/** HINT_WORDS at one position only (lastIndex). */
const HINT_WORD_AT = new RegExp(HINT_WORDS.source, 'iy');

/**
 * A plain text (lines separated by '\n') without publisher boilerplate. A "Read more" or "[…]"
 * that cut a sentence short becomes "…", so the cut sentence is never taken for a whole one.
 * Empty lines go too, once anything was found. `folded`, when given, is the text's comparison
 * fold (foldedLinesForComparison): hint words are looked for there, case-sensitively, faster.
 */
export function stripBoilerplate(text: string, folded?: string): string {
  const hints = new Hints(text, folded !== undefined && folded.length === text.length ? folded : undefined);
  if (hints.next === -1) return text;
  const lines: string[] = [];
  // Most hinted texts only mention a photo: when no line changed, the text is returned as it came.
  let changed = false;
  for (let start = 0; start <= text.length; ) {
    const lineBreak = text.indexOf('\n', start);
    const end = lineBreak === -1 ? text.length : lineBreak;
    const hinted = hints.next !== -1 && hints.next < end;
    const written = text.slice(start, end);
    const line = hinted ? cleanLine(written) : written;
    if (hinted) hints.skipTo(end);
    if (line !== '') lines.push(line);
    if (line === '' || line !== written) changed = true;
    start = end + 1;
  }
  return changed ? lines.join('\n') : text;
}

/** Where the next hint starts (-1: none), from the next hint word and the next "[", each searched again only once passed. */
class Hints {
  private word: number;
  private bracket: number;
  next: number;

  /**
   * `folded`, when given, is the text lower-cased with its line breaks made spaces, of the same
   * length: then no character changed length (only "İ" grows, nothing shrinks), so a position
   * in one is the same in the other, and every hint in the text is a lower-case hint there.
   */
  constructor(
    private readonly text: string,
    private readonly folded?: string,
  ) {
    this.word = this.wordFrom(0);
    this.bracket = text.indexOf('[');
    this.next = this.earliest();
  }

  /** Forgets the hints before `position`. */
  skipTo(position: number): void {
    if (this.word !== -1 && this.word < position) this.word = this.wordFrom(position);
    if (this.bracket !== -1 && this.bracket < position) this.bracket = this.text.indexOf('[', position);
    this.next = this.earliest();
  }

  private earliest(): number {
    if (this.word === -1 || this.bracket === -1) return Math.max(this.word, this.bracket);
    return Math.min(this.word, this.bracket);
  }

  private wordFrom(position: number): number {
    if (this.folded === undefined) {
      HINT_WORDS.lastIndex = position;
      return HINT_WORDS.exec(this.text)?.index ?? -1;
    }
    // The fold holds a few more (a line break for a space, the Kelvin sign for "k"): each is confirmed in the text.
    LOWER_CASE_HINT_WORDS_FROM.lastIndex = position;
    for (let match = LOWER_CASE_HINT_WORDS_FROM.exec(this.folded); match !== null; match = LOWER_CASE_HINT_WORDS_FROM.exec(this.folded)) {
      HINT_WORD_AT.lastIndex = match.index;
      if (HINT_WORD_AT.test(this.text)) return match.index;
      LOWER_CASE_HINT_WORDS_FROM.lastIndex = match.index + 1;
    }
    return -1;
  }
}

/**
 * What each pattern that scans a whole line cannot match without, tested first since a hinted
 * line (a photo, an image, "read this") rarely holds boilerplate. Case-insensitive patterns
 * with the `u` flag also match "ſ" for "s" and the Kelvin sign for "k": no word here holds
 * either letter, or it allows for it.
 */
const CAPTION_WORD = /photo|image|picture|illu[sſ]tration/i;
const POST_APPEARED_WORD = /appeared/i;
const CLICK_WORD = /clic/i;
const MARKER_WORD = /Read [Mm]ore|READ MORE|Continue [Rr]eading|Keep [Rr]eading/;

/** A line with a hint in it, without the boilerplate that hint points to. */
function cleanLine(line: string): string {
  if (READ_MORE_LINE.test(line) || isCreditLine(line) || POST_APPEARED_LINE.test(line) || (CAPTION_WORD.test(line) && CAPTION_LINE.test(line))) return '';
  let cleaned = line.includes('(') ? line.replace(CREDIT_IN_BRACKETS, '') : line;
  if (POST_APPEARED_WORD.test(cleaned)) cleaned = cleaned.replace(POST_APPEARED_TAIL, '');
  if (CLICK_WORD.test(cleaned)) cleaned = withoutClickSentence(cleaned);
  // The marker and elision patterns need a "[" or a marker's words.
  if (!cleaned.includes('[') && !MARKER_WORD.test(cleaned)) return cleaned.trim();
  const tail = MARKER_TAIL.exec(cleaned);
  if (tail) {
    const before = cleaned.slice(0, tail.index).trimEnd();
    cleaned = before === '' || ENDS_SENTENCE.test(before) || before.endsWith('…') ? before : `${before}…`;
  }
  return cleaned.replace(ELISION, '').trim();
}

/** Whether the whole line is a credit: one in brackets, or one whose names end the line rather than open a sentence. */
function isCreditLine(line: string): boolean {
  const credit = CREDIT_LINE.exec(line);
  if (credit === null) return false;
  if (credit.groups?.opening === undefined) return true;
  const firstNameEnd = AFTER_FIRST_NAME.exec(line);
  return firstNameEnd === null || !CLAUSE_WORD.test(line.slice(firstNameEnd.index + 1));
}

/** The line without the sentence that asks to click (found by its words first: a sentence pattern alone would backtrack over every long line). */
function withoutClickSentence(line: string): string {
  const click = CLICK_HERE.exec(line);
  if (!click) return line;
  const start = Math.max(line.lastIndexOf('. ', click.index), line.lastIndexOf('! ', click.index), line.lastIndexOf('? ', click.index)) + 1;
  const end = line.slice(click.index).search(/[.!?](?:\s|$)/u);
  const after = end === -1 ? line.length : click.index + end + 1;
  return `${line.slice(0, start)}${line.slice(after)}`.replace(/\s{2,}/gu, ' ').trim();
}
