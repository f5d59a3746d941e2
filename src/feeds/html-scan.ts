/**
 * A fast reader of the HTML that feeds carry, reporting exactly the events htmlparser2's Parser
 * reports for it (HTML mode, entities decoded, names lower-cased): the same open and close
 * tags, implied ones included, and the same text chunks, split where htmlparser2 splits them.
 * Text runs are skipped with indexOf and attributes are only collected for `<img>`, which makes
 * it several times faster than the general parser. Anything it does not copy (foreign SVG and
 * MathML content, forms, RCDATA elements, unterminated tags, non-ASCII tag names, deep nesting)
 * makes it give up, and the caller runs htmlparser2 instead. test/unit/html-scan.test.ts holds
 * the two to the same events on random markup.
 */
import { DecodingMode, EntityDecoder, htmlDecodeTree } from 'entities/decode';
import { isWhitespace } from '../text/fold.js';
import { MAX_NESTING_DEPTH } from './nesting.js';

/** The attributes of an `<img>` that readers of a feed's HTML look at; the first occurrence of each wins. */
export interface ImageAttributes {
  src?: string;
  'data-src'?: string;
  width?: string;
  height?: string;
}

/** Where the events go: the subset of htmlparser2's Handler that text extraction needs. */
export interface HtmlEvents {
  /** `attributes` are collected for `<img>` only (while wantsImage allows); other elements get none. */
  openTag(name: string, attributes: Readonly<ImageAttributes>): void;
  /** Whether an `<img>` met now still matters: false spares reading its attributes (a reader done with images). Always, when absent. */
  wantsImage?(): boolean;
  closeTag(name: string): void;
  text(chunk: string): void;
  /**
   * A chunk of whitespace only (as /\s/ sees it), for a reader to whom all such chunks are
   * alike: it is not copied out of the document. When absent, text gets the chunk as written.
   */
  space?(): void;
}

const TAB = 0x09;
const NEW_LINE = 0x0a;
const FORM_FEED = 0x0c;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const BANG = 0x21;
const DOUBLE_QUOTE = 0x22;
const AMPERSAND = 0x26;
const SINGLE_QUOTE = 0x27;
const DASH = 0x2d;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const GREATER_THAN = 0x3e;
const QUESTION_MARK = 0x3f;
const CLOSING_BRACKET = 0x5d;

/** What htmlparser2 counts as whitespace inside markup (not Unicode's spaces). */
function isMarkupSpace(code: number): boolean {
  return code === SPACE || code === NEW_LINE || code === TAB || code === FORM_FEED || code === CARRIAGE_RETURN;
}

function endsTagSection(code: number): boolean {
  return code === SLASH || code === GREATER_THAN || isMarkupSpace(code);
}

function isAsciiLetter(code: number): boolean {
  return ((code | 0x20) - 0x61) >>> 0 <= 25;
}

/**
 * Elements whose handling by htmlparser2 is not copied here: foreign content and its
 * integration points (tag names change case there, self-closing tags count), RCDATA and other
 * raw-text elements whose text is read, the ignored second `<form>`, `<image>` read as `<img>`.
 */
const NOT_COPIED = new Set([
  'svg', 'math', 'mi', 'mo', 'mn', 'ms', 'mtext', 'annotation-xml', 'desc', 'title', 'textarea', 'xmp', 'noembed',
  'noframes', 'plaintext', 'form', 'image',
]);

/** Raw-text elements: their contents are text up to their own end tag, never markup. */
const RAW_TEXT = new Set(['script', 'style', 'iframe']);

/** htmlparser2's void elements: closed as soon as they are opened. */
const VOID_ELEMENTS = new Set([
  'area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'keygen',
  'link', 'meta', 'param', 'source', 'track', 'wbr',
]);

const P_ONLY = new Set(['p']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p']);
const FORM_CONTROLS = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const TABLE_SECTIONS = new Set(['thead', 'tbody']);
const DEFINITIONS = new Set(['dd', 'dt']);
const RUBY = new Set(['rt', 'rp']);

/** htmlparser2's table of elements whose start closes open ones (`<li>` closes an open `<li>`). */
const OPEN_IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])], ['th', new Set(['th'])], ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])], ['a', new Set(['a'])], ['li', new Set(['li'])], ['p', P_ONLY],
  ['h1', HEADINGS], ['h2', HEADINGS], ['h3', HEADINGS], ['h4', HEADINGS], ['h5', HEADINGS], ['h6', HEADINGS],
  ['select', FORM_CONTROLS], ['input', FORM_CONTROLS], ['output', FORM_CONTROLS], ['button', FORM_CONTROLS],
  ['datalist', FORM_CONTROLS], ['textarea', FORM_CONTROLS], ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])], ['dd', DEFINITIONS], ['dt', DEFINITIONS],
  ...['address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer',
    'form', 'header', 'hr', 'main', 'nav', 'ol', 'pre', 'section', 'table', 'ul'].map((name): [string, ReadonlySet<string>] => [name, P_ONLY]),
  ['rt', RUBY], ['rp', RUBY], ['tbody', TABLE_SECTIONS], ['tfoot', TABLE_SECTIONS],
]);

const NO_ATTRIBUTES: Readonly<ImageAttributes> = Object.freeze({});

/** An element name as reported (lower-cased), with what the scanner does on its tags, looked up once per name. */
interface ElementName {
  readonly name: string;
  readonly notCopied: boolean;
  readonly isVoid: boolean;
  readonly rawText: boolean;
  /** The open elements its start tag closes. */
  readonly closes: ReadonlySet<string> | undefined;
}

function elementName(name: string): ElementName {
  return { name, notCopied: NOT_COPIED.has(name), isVoid: VOID_ELEMENTS.has(name), rawText: RAW_TEXT.has(name), closes: OPEN_IMPLIES_CLOSE.get(name) };
}

/**
 * Names met so far, by a hash of their lower-cased code units (direct-mapped, so bounded): a
 * tag's name is found without slicing and lower-casing it, and every tag of one element shares
 * one string, which the set and map lookups on it hash only once.
 */
const NAME_SLOTS = 512;
const namesBySlot: (ElementName | undefined)[] = new Array<ElementName | undefined>(NAME_SLOTS).fill(undefined);

/** The ASCII lower case of a code unit, as toLowerCase gives it for the ASCII names the scanner accepts. */
function lowerAscii(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
}

/** The element named by html[from, end) (ASCII), whose lower-cased code units hash to `hash`. */
function elementNamed(html: string, from: number, end: number, hash: number): ElementName {
  const slot = hash & (NAME_SLOTS - 1);
  const known = namesBySlot[slot];
  if (known !== undefined && spellsLowerCased(html, from, end, known.name)) return known;
  const named = elementName(ownCopy(html.slice(from, end)).toLowerCase());
  namesBySlot[slot] = named;
  return named;
}

/**
 * An ASCII text as a string of its own. V8 makes a slice of 13 or more characters a view into
 * the whole string, and toLowerCase gives back a string with nothing to change as it is: a
 * long name kept in the cache would keep its whole document alive (40 bodies of 2 MB with a
 * custom element each kept 80 MB).
 */
function ownCopy(ascii: string): string {
  return Buffer.from(ascii, 'latin1').toString('latin1');
}

/** Whether html[from, end) is `name` once lower-cased. */
function spellsLowerCased(html: string, from: number, end: number, name: string): boolean {
  if (name.length !== end - from) return false;
  for (let index = 0; index < name.length; index++) {
    if (lowerAscii(html.charCodeAt(from + index)) !== name.charCodeAt(index)) return false;
  }
  return true;
}

/** The end of a comment htmlparser2 looks for: `--!>`, of which `-->` is accepted too. */
const COMMENT_END = [DASH, DASH, BANG, GREATER_THAN];
const CDATA_START = '[CDATA[';
const CDATA_END = [CLOSING_BRACKET, CLOSING_BRACKET, GREATER_THAN];

const GREATER_THAN_TEXT = '>';

/** htmlparser2's tokenizer states inside a start tag, after its name. */
const enum AttributeState { BeforeName, SelfClosing, Name, AfterName, BeforeValue, DoubleQuoted, SingleQuoted, Unquoted }

/** Returned instead of a position when the markup is beyond this scanner. */
const GIVE_UP = -1;

/** The code units one character reference decodes to, and how many characters it spans from its `&`. */
interface DecodedReference { units: number[]; consumed: number }

const decoded: DecodedReference = { units: [], consumed: 0 };
/** htmlparser2's own decoder (the entities package), so references decode exactly as there, legacy forms included. */
const referenceDecoder = new EntityDecoder(htmlDecodeTree, (unit, consumed) => {
  decoded.units.push(unit);
  decoded.consumed = consumed;
});

/** The character reference at `ampersand`, or undefined when the `&` starts none and stays text. */
function decodeReference(html: string, ampersand: number, mode: DecodingMode): DecodedReference | undefined {
  decoded.units = [];
  referenceDecoder.startEntity(mode);
  if (referenceDecoder.write(html, ampersand + 1) === -1) referenceDecoder.end();
  return decoded.units.length === 0 ? undefined : decoded;
}

/**
 * Reports the events of `html` to `events`, in htmlparser2's order. Returns false when it gave
 * up part-way; the events reported so far are then to be discarded.
 */
export function scanHtml(html: string, events: HtmlEvents): boolean {
  return new Scanner(html, events).run();
}

class Scanner {
  /** The open elements, innermost last. */
  private readonly stack: string[] = [];
  /** Where the text not yet reported starts. */
  private textStart = 0;
  /** Whether the document holds a code unit that htmlparser2 mistakes for `<` or `/` in a raw-text end tag; looked up once, at the first raw-text element. */
  private foldsIntoEndTag: boolean | undefined;

  constructor(
    private readonly html: string,
    private readonly events: HtmlEvents,
  ) {}

  run(): boolean {
    const { html } = this;
    let position = 0;
    let nextTag = html.indexOf('<');
    let nextReference = html.indexOf('&');
    while (position < html.length) {
      if (nextTag !== -1 && nextTag < position) nextTag = html.indexOf('<', position);
      if (nextReference !== -1 && nextReference < position) nextReference = html.indexOf('&', position);
      if (nextReference !== -1 && (nextTag === -1 || nextReference < nextTag)) position = this.referenceInText(nextReference);
      else if (nextTag !== -1) position = this.markup(nextTag);
      else break;
      if (position === GIVE_UP) return false;
    }
    this.flushText(html.length);
    // At the end htmlparser2 closes what is still open, innermost first.
    for (let index = this.stack.length - 1; index >= 0; index--) this.events.closeTag(this.stack[index]!);
    return true;
  }

  /** Reports the text before `end` as one chunk, as htmlparser2 does at every `<` and decoded reference. */
  private flushText(end: number): void {
    if (end > this.textStart) {
      if (this.events.space !== undefined && isWhitespaceOnly(this.html, this.textStart, end)) this.events.space();
      else this.events.text(this.html.slice(this.textStart, end));
    }
    this.textStart = end;
  }

  private referenceInText(ampersand: number): number {
    const reference = decodeReference(this.html, ampersand, DecodingMode.Legacy);
    // An `&` that starts no reference stays in the text chunk it is in.
    if (reference === undefined) return ampersand + 1;
    this.flushText(ampersand);
    // A reference to an astral character decodes to two code units, each its own chunk.
    for (const unit of reference.units) {
      if (this.events.space !== undefined && isWhitespace(unit)) this.events.space();
      else this.events.text(String.fromCodePoint(unit));
    }
    this.textStart = ampersand + reference.consumed;
    return this.textStart;
  }

  /** What starts at the `<` at `open`; returns where scanning goes on. */
  private markup(open: number): number {
    const next = this.html.charCodeAt(open + 1);
    if (isAsciiLetter(next)) return this.startTag(open);
    this.flushText(open);
    if (next === SLASH) return this.endTag(open);
    if (next === BANG) return this.skipDeclaration(open);
    if (next === QUESTION_MARK) return this.skipPast(GREATER_THAN_TEXT, open + 2);
    // A `<` that starts no markup is text, but it starts a new chunk.
    return open + 1;
  }

  /** Skips to after the next `terminator` at or after `from` (to the end when there is none); nothing there is reported. */
  private skipPast(terminator: string, from: number): number {
    const found = this.html.indexOf(terminator, from);
    this.textStart = found === -1 ? this.html.length : found + terminator.length;
    return this.textStart;
  }

  /** `<!…>`: a comment, CDATA (a comment in HTML) or a declaration; none of it is reported. */
  private skipDeclaration(open: number): number {
    const { html } = this;
    if (html.startsWith('--', open + 2)) return this.skipCommentLike(open + 4, COMMENT_END);
    if (html.startsWith(CDATA_START, open + 2)) return this.skipCommentLike(open + 2 + CDATA_START.length, CDATA_END);
    return this.skipPast(GREATER_THAN_TEXT, open + 2);
  }

  /**
   * htmlparser2's search for the end of a comment (`-->` or `--!>`, with `<!-->` and `<!--->`
   * closing at once) or of CDATA (`]]>`), step for step, longer runs of dashes or brackets included.
   */
  private skipCommentLike(start: number, end: readonly number[]): number {
    const { html } = this;
    const comment = end === COMMENT_END;
    let matched = 0;
    for (let index = start; index < html.length; index++) {
      const code = html.charCodeAt(index);
      if (comment && (matched === 2 || (matched <= 1 && index === start + matched)) && code === GREATER_THAN) return this.endSkip(index + 1);
      if (comment && matched === 3 && code !== GREATER_THAN) matched = code === DASH ? 1 : 0;
      else if (code === end[matched]) {
        if (++matched === end.length) return this.endSkip(index + 1);
      } else if (matched === 0) {
        const first = html.indexOf(String.fromCharCode(end[0]!), index + 1);
        if (first === -1) break;
        index = first;
        matched = 1;
      } else if (code !== end[matched - 1]) matched = 0;
    }
    return this.endSkip(html.length);
  }

  private endSkip(position: number): number {
    this.textStart = position;
    return position;
  }

  /** The hash of the lower-cased name tagNameEnd last measured, for elementNamed. */
  private nameHash = 0;

  /** The end of a tag name starting at `from`: the index of the whitespace, `/` or `>` after it, or GIVE_UP. Sets nameHash. */
  private tagNameEnd(from: number): number {
    const { html } = this;
    let hash = 0;
    for (let end = from; end < html.length; end++) {
      const code = html.charCodeAt(end);
      if (endsTagSection(code)) {
        this.nameHash = hash;
        return end;
      }
      // Lower-casing outside ASCII is where htmlparser2's name handling and this one could differ.
      if (code >= 0x80) return GIVE_UP;
      hash = (Math.imul(hash, 31) + lowerAscii(code)) | 0;
    }
    return GIVE_UP;
  }

  private startTag(open: number): number {
    const nameEnd = this.tagNameEnd(open + 1);
    if (nameEnd === GIVE_UP) return GIVE_UP;
    const element = elementNamed(this.html, open + 1, nameEnd, this.nameHash);
    if (element.notCopied || this.stack.length >= MAX_NESTING_DEPTH - 2) return GIVE_UP;
    const { name, closes, isVoid } = element;
    this.flushText(open);
    if (closes) while (this.stack.length > 0 && closes.has(this.stack.at(-1)!)) this.events.closeTag(this.stack.pop()!);
    if (!isVoid) this.stack.push(name);
    const attributes: ImageAttributes | undefined = name === 'img' && this.events.wantsImage?.() !== false ? {} : undefined;
    const tagEnd = this.skipAttributes(nameEnd, attributes);
    if (tagEnd === GIVE_UP) return GIVE_UP;
    this.events.openTag(name, attributes ?? NO_ATTRIBUTES);
    if (isVoid) this.events.closeTag(name);
    this.textStart = tagEnd + 1;
    return element.rawText ? this.rawText(element, tagEnd + 1) : tagEnd + 1;
  }

  /**
   * htmlparser2's attribute states, step for step, from the end of the tag name to the `>`
   * (returned; GIVE_UP when the document ends first). Values are only read, and their character
   * references decoded, for the ImageAttributes of an `attributes` given: a reference never spans
   * a quote or `>`, so skipping over any other value changes nothing.
   */
  private skipAttributes(from: number, attributes: ImageAttributes | undefined): number {
    const { html } = this;
    let state = AttributeState.BeforeName;
    let sectionStart = from;
    /** The current attribute's name when it is one of ImageAttributes and they are collected. */
    let kept: keyof ImageAttributes | undefined;
    let value = '';
    for (let index = from; index < html.length; index++) {
      const code = html.charCodeAt(index);
      switch (state) {
        case AttributeState.BeforeName:
          if (code === GREATER_THAN) return index;
          if (code === SLASH) state = AttributeState.SelfClosing;
          else if (!isMarkupSpace(code)) {
            state = AttributeState.Name;
            sectionStart = index;
          }
          break;
        case AttributeState.SelfClosing:
          if (code === GREATER_THAN) return index;
          if (!isMarkupSpace(code)) {
            state = AttributeState.BeforeName;
            index--;
          }
          break;
        case AttributeState.Name:
          if (code === EQUALS || endsTagSection(code)) {
            if (attributes) kept = keptName(html, sectionStart, index);
            state = AttributeState.AfterName;
            index--;
          }
          break;
        case AttributeState.AfterName:
          if (code === EQUALS) state = AttributeState.BeforeValue;
          else if (code === SLASH || code === GREATER_THAN) {
            if (attributes && kept) keepFirst(attributes, kept, '');
            state = AttributeState.BeforeName;
            index--;
          } else if (!isMarkupSpace(code)) {
            if (attributes && kept) keepFirst(attributes, kept, '');
            state = AttributeState.Name;
            sectionStart = index;
          }
          break;
        case AttributeState.BeforeValue:
          if ((code === DOUBLE_QUOTE || code === SINGLE_QUOTE) && kept === undefined) {
            // A value that is not kept ends at its closing quote: nothing inside it can end it sooner.
            index = html.indexOf(code === DOUBLE_QUOTE ? '"' : "'", index + 1);
            if (index === -1) return GIVE_UP;
            state = AttributeState.BeforeName;
          } else if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
            state = code === DOUBLE_QUOTE ? AttributeState.DoubleQuoted : AttributeState.SingleQuoted;
            sectionStart = index + 1;
          } else if (!isMarkupSpace(code)) {
            state = AttributeState.Unquoted;
            sectionStart = index;
            index--;
          }
          break;
        default: {
          const ends = state === AttributeState.Unquoted
            ? isMarkupSpace(code) || code === GREATER_THAN
            : code === (state === AttributeState.DoubleQuoted ? DOUBLE_QUOTE : SINGLE_QUOTE);
          if (ends) {
            if (attributes && kept) keepFirst(attributes, kept, value + html.slice(sectionStart, index));
            value = '';
            if (state === AttributeState.Unquoted) index--;
            state = AttributeState.BeforeName;
          } else if (code === AMPERSAND && kept) {
            const reference = decodeReference(html, index, DecodingMode.Attribute);
            if (reference) {
              value += html.slice(sectionStart, index) + reference.units.map((unit) => String.fromCodePoint(unit)).join('');
              sectionStart = index + reference.consumed;
              index = sectionStart - 1;
            }
          }
        }
      }
    }
    return GIVE_UP;
  }

  /** The contents of a raw-text element, up to its end tag (or the end of the document), as one chunk. */
  private rawText(element: ElementName, start: number): number {
    const { html } = this;
    const { name } = element;
    // htmlparser2 matches the end tag by OR-ing 0x20 into each code unit, so U+001C and U+000F pass for `<` and `/`.
    this.foldsIntoEndTag ??= html.includes('\u001c') || html.includes('\u000f');
    if (this.foldsIntoEndTag) return GIVE_UP;
    for (let open = html.indexOf('</', start); open !== -1; open = html.indexOf('</', open + 1)) {
      const nameEnd = open + 2 + name.length;
      if (nameEnd < html.length && endsTagSection(html.charCodeAt(nameEnd)) && matchesFolded(html, open + 2, name)) {
        this.flushText(open);
        return this.closeElement(element, nameEnd);
      }
    }
    this.flushText(html.length);
    return html.length;
  }

  /** `</…`: an end tag, `</>` (ignored), or a bogus comment. */
  private endTag(open: number): number {
    const { html } = this;
    const first = html.charCodeAt(open + 2);
    // "</" at the very end is text.
    if (open + 2 >= html.length) return open + 2;
    if (first === GREATER_THAN) return this.endSkip(open + 3);
    if (!isAsciiLetter(first)) return this.skipPast(GREATER_THAN_TEXT, open + 2);
    const nameEnd = this.tagNameEnd(open + 2);
    if (nameEnd === GIVE_UP) return GIVE_UP;
    const element = elementNamed(html, open + 2, nameEnd, this.nameHash);
    return element.notCopied ? GIVE_UP : this.closeElement(element, nameEnd);
  }

  /** htmlparser2's handling of an end tag whose name ends at `nameEnd`; returns the position after its `>`. */
  private closeElement({ name, isVoid }: ElementName, nameEnd: number): number {
    const close = this.html.indexOf('>', nameEnd);
    // Without a `>` htmlparser2 reports a stray text chunk of its own making.
    if (close === -1) return GIVE_UP;
    const { stack, events } = this;
    if (!isVoid) {
      const open = stack.lastIndexOf(name);
      if (open !== -1) while (stack.length > open) events.closeTag(stack.pop()!);
      else if (name === 'p') {
        // A `</p>` without a `<p>` is an empty paragraph.
        events.openTag('p', NO_ATTRIBUTES);
        events.closeTag('p');
      }
    } else if (name === 'br') {
      // `</br>` is read as `<br>`.
      events.openTag('br', NO_ATTRIBUTES);
      events.closeTag('br');
    }
    return this.endSkip(close + 1);
  }
}

/** Whether html[from, end) is whitespace only, as /\s/ sees it. */
function isWhitespaceOnly(html: string, from: number, end: number): boolean {
  for (let index = from; index < end; index++) if (!isWhitespace(html.charCodeAt(index))) return false;
  return true;
}

/** Whether `html` at `from` spells `name` (lower-case ASCII), compared as htmlparser2 compares it. */
function matchesFolded(html: string, from: number, name: string): boolean {
  for (let index = 0; index < name.length; index++) {
    if ((html.charCodeAt(from + index) | 0x20) !== name.charCodeAt(index)) return false;
  }
  return true;
}

const KEPT_NAMES: readonly (keyof ImageAttributes)[] = ['src', 'data-src', 'width', 'height'];

/** The attribute name at html[from, end) (lower-cased, as htmlparser2 reports it) when it is one of ImageAttributes. */
function keptName(html: string, from: number, end: number): keyof ImageAttributes | undefined {
  // Compared in place, ASCII case folded: of the non-ASCII characters toLowerCase maps into ASCII, the Kelvin sign's "k" is in none of these names.
  return KEPT_NAMES.find((name) => spellsLowerCased(html, from, end, name));
}

/** htmlparser2 keeps an attribute's first occurrence. */
function keepFirst(attributes: ImageAttributes, name: keyof ImageAttributes, value: string): void {
  if (!Object.hasOwn(attributes, name)) attributes[name] = value;
}
