import { Parser } from 'htmlparser2';
import { inNormalForms, isWhitespace, whitespaceRunsToSpace, type NormalForms } from '../text/fold.js';
import { parseHttpUrl } from './canonical-url.js';
import { scanHtml, type HtmlEvents, type ImageAttributes } from './html-scan.js';
import { MAX_NESTING_DEPTH } from './nesting.js';

/** Elements whose contents are never readable text (a figure's caption describes a photo, not the news). */
const SKIPPED_ELEMENTS = ['script', 'style', 'template', 'noscript', 'svg', 'math', 'head', 'iframe', 'object', 'figcaption'];

/** Elements that start a new line of text when rendered. */
const BLOCK_ELEMENTS = [
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'div', 'dl', 'dt', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
];

/** What an element means to the text, by name: one map lookup per tag instead of a set per kind. */
const enum ElementKind { Skipped, Block, Link, Image }
const ELEMENT_KINDS = new Map<string, ElementKind>([
  ...SKIPPED_ELEMENTS.map((name): [string, ElementKind] => [name, ElementKind.Skipped]),
  ...BLOCK_ELEMENTS.map((name): [string, ElementKind] => [name, ElementKind.Block]),
  ['a', ElementKind.Link],
  ['img', ElementKind.Image],
]);

/**
 * A feed that escapes its HTML twice (`&amp;#8217;` inside already-escaped markup) leaves
 * entity references as visible text after one decoding; undoing exactly one extra level
 * repairs those. The price: a text that literally discusses "&amp;lt;" loses one level too.
 */
const DOUBLE_ESCAPED_ENTITY = /&amp;(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/gi;

const SPACE = 0x20;

/** `/\S/` fails exactly on the texts that `trim()` empties (both use ECMAScript's whitespace), without building the trimmed copy. */
const NON_WHITESPACE = /\S/;

/** DOUBLE_ESCAPED_ENTITY tried at one position only (lastIndex). */
const DOUBLE_ESCAPED_ENTITY_AT = new RegExp(DOUBLE_ESCAPED_ENTITY.source, 'iy');

/**
 * Whether `html` holds a DOUBLE_ESCAPED_ENTITY match: tried only where "&amp;" is, in any case,
 * found by jumping from one "&" to the next, cheaper than running the pattern over the whole
 * body. Most bodies with "&amp;" hold it in a link's query ("?a=1&amp;b=2"), which no entity
 * follows: they are left as they are without rewriting them.
 * (Without the `u` flag, only "a", "m" and "p" themselves match those letters case-insensitively.)
 */
export function holdsDoubleEscapedEntity(html: string): boolean {
  for (let at = html.indexOf('&'); at !== -1; at = html.indexOf('&', at + 1)) {
    if ((html.charCodeAt(at + 1) | 0x20) === 0x61 && (html.charCodeAt(at + 2) | 0x20) === 0x6d && (html.charCodeAt(at + 3) | 0x20) === 0x70 && html.charCodeAt(at + 4) === 0x3b) {
      DOUBLE_ESCAPED_ENTITY_AT.lastIndex = at;
      if (DOUBLE_ESCAPED_ENTITY_AT.test(html)) return true;
    }
  }
  return false;
}

/**
 * The readable text of an HTML fragment and its first content image. When `inNfkc`, the text
 * is in NFKC as well as NFC: folded lines as it is, it folds for comparison with
 * foldedLinesForComparison, without a second normalizer pass. Like NormalForms, every field is
 * always present.
 */
export interface HtmlContent extends NormalForms {
  image: string | undefined;
  /**
   * Nearly all the text is link text: a list of related headlines (Google News), a lone
   * "Comments" link. Such a body says nothing about the entry itself.
   */
  linksOnly: boolean;
}

/** Share of the text inside links above which a body counts as links only. */
const LINKS_ONLY_SHARE = 0.65;

/**
 * HTML → plain text with a real parser (htmlparser2): tags dropped (script/style contents
 * too), block elements become line breaks, all entities decoded (named, decimal, hex, and a
 * double-escaped `&amp;amp;` once), whitespace folded (one space inside a line, no blank
 * lines), NFC. Markup nested deeper than MAX_NESTING_DEPTH ends the text there.
 */
export function htmlToText(html: string): string {
  return readHtml(html).text;
}

/**
 * The first content image in an HTML fragment, as an absolute http(s) URL resolved against
 * `base`; lazy-loading `data-src` is honoured and 1×1 tracking pixels are ignored.
 */
export function firstImage(html: string, base?: string): string | undefined {
  return readHtml(html, base).image;
}

/** htmlToText and firstImage in one parse, for callers that need both. */
export function readHtml(html: string, base?: string): HtmlContent {
  // Most titles and many descriptions are plain text: without markup or entities there is nothing to parse.
  if (!html.includes('<') && !html.includes('&')) return plainText(inNormalForms(whitespaceRunsToSpace(html).trim()));
  const markup = holdsDoubleEscapedEntity(html) ? html.replace(DOUBLE_ESCAPED_ENTITY, '&$1;') : html;
  const scanned = new TextCollector(base);
  // The fast scanner reads nearly every feed's markup; htmlparser2 reads what it gives up on.
  return scanHtml(markup, scanned) ? scanned.content() : parseWithHtmlparser2(markup, base);
}

/** Text without markup as HtmlContent: no image, no links. */
function plainText({ text, inNfkc, nfkc }: NormalForms): HtmlContent {
  return { text, inNfkc, nfkc, image: undefined, linksOnly: false };
}

function parseWithHtmlparser2(html: string, base: string | undefined): HtmlContent {
  const collector = new TextCollector(base);
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (!collector.openTag(name, attributes)) parser.pause();
      },
      onclosetag: (name) => collector.closeTag(name),
      ontext: (chunk) => collector.text(chunk),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return collector.content();
}

/**
 * Readable text out of parser events: tags dropped (skipped elements with their contents),
 * block elements breaking lines, whitespace folded (one space inside a line), lines trimmed,
 * empty lines dropped: what folding the whole text would give, done a line at a time. Shared by
 * the fast scanner and htmlparser2, so both paths make the same text of the same events.
 */
class TextCollector implements HtmlEvents {
  private readonly lines: string[] = [];
  /** The text since the last block break, as written. */
  private line = '';
  /** Whether `line` ends with a space: kept here, as asking the line (built by `+=`) would flatten it at every space. */
  private lineEndsWithSpace = false;
  private image: string | undefined;
  private skippedDepth = 0;
  private depth = 0;
  private linkDepth = 0;
  private linkChars = 0;

  constructor(private readonly base: string | undefined) {}

  /** False when the element is nested too deeply: the rest of the document is to be ignored. */
  openTag(name: string, attributes: Readonly<ImageAttributes>): boolean {
    if (++this.depth > MAX_NESTING_DEPTH) return false;
    switch (ELEMENT_KINDS.get(name)) {
      case ElementKind.Skipped: this.skippedDepth++; break;
      case ElementKind.Block: this.breakLine(); break;
      case ElementKind.Link: this.linkDepth++; break;
      case ElementKind.Image: this.image ??= contentImage(attributes, this.base); break;
      default:
    }
    return true;
  }

  /** Only the first content image is read. */
  wantsImage(): boolean {
    return this.image === undefined;
  }

  closeTag(name: string): void {
    this.depth--;
    switch (ELEMENT_KINDS.get(name)) {
      case ElementKind.Skipped: this.skippedDepth = Math.max(0, this.skippedDepth - 1); break;
      case ElementKind.Block: this.breakLine(); break;
      case ElementKind.Link: this.linkDepth = Math.max(0, this.linkDepth - 1); break;
      default:
    }
  }

  text(chunk: string): void {
    if (this.skippedDepth > 0) return;
    // Nearly every chunk starts with a visible ASCII character: only the others are searched for one.
    const first = chunk.charCodeAt(0);
    if (!(first > SPACE && first < 0x7f) && !NON_WHITESPACE.test(chunk)) {
      this.space();
      return;
    }
    if (this.linkDepth > 0) this.linkChars += foldedLength(chunk);
    // Line breaks in HTML source are only whitespace; breaks come from block elements.
    this.line += chunk;
    this.lineEndsWithSpace = chunk.charCodeAt(chunk.length - 1) === SPACE;
  }

  /**
   * Whitespace between tags (a third of all chunks) folds into one space, or into the space
   * already ending the line, or into nothing at its start: the folded line is the same. Inside
   * a link it counts as the one character it folds to.
   */
  space(): void {
    if (this.skippedDepth > 0) return;
    if (this.linkDepth > 0) this.linkChars++;
    if (this.line !== '' && !this.lineEndsWithSpace) {
      this.line += ' ';
      this.lineEndsWithSpace = true;
    }
  }

  content(): HtmlContent {
    this.breakLine();
    const text = this.lines.join('\n');
    const linksOnly = this.linkChars > 0 && this.linkChars >= LINKS_ONLY_SHARE * text.length;
    const { text: nfc, inNfkc, nfkc } = inNormalForms(text);
    return { text: nfc, inNfkc, nfkc, image: this.image, linksOnly };
  }

  /** Ends the current line: its whitespace folded once (not per chunk), trimmed, kept unless empty. */
  private breakLine(): void {
    if (this.line === '') return;
    const line = whitespaceRunsToSpace(this.line).trim();
    if (line !== '') this.lines.push(line);
    this.line = '';
    this.lineEndsWithSpace = false;
  }
}

/** The length of a text once every run of whitespace is one space (whitespaceRunsToSpace), without building it. */
function foldedLength(text: string): number {
  let length = 0;
  let inWhitespace = false;
  for (let index = 0; index < text.length; index++) {
    const space = isWhitespace(text.charCodeAt(index));
    if (!space || !inWhitespace) length++;
    inWhitespace = space;
  }
  return length;
}

function contentImage(attributes: Readonly<ImageAttributes>, base: string | undefined): string | undefined {
  if (attributes['width'] === '1' || attributes['height'] === '1') return undefined; // a tracking pixel
  const source = [attributes['src'], attributes['data-src']].find((value) => value && !value.startsWith('data:'));
  return source === undefined ? undefined : absoluteHttpUrl(source, base);
}

/** `url` resolved against `base` when it is (or becomes) an http(s) URL. */
export function absoluteHttpUrl(url: string, base?: string): string | undefined {
  return parseHttpUrl(url, base)?.href;
}
