import { Parser } from 'htmlparser2';
import { whitespaceRunsToSpace } from '../text/fold.js';
import { MAX_NESTING_DEPTH } from './nesting.js';

/** Elements whose contents are never readable text (a figure's caption describes a photo, not the news). */
const SKIPPED_ELEMENTS = new Set(['script', 'style', 'template', 'noscript', 'svg', 'math', 'head', 'iframe', 'object', 'figcaption']);

/** Elements that start a new line of text when rendered. */
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'div', 'dl', 'dt', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);

/**
 * A feed that escapes its HTML twice (`&amp;#8217;` inside already-escaped markup) leaves
 * entity references as visible text after one decoding; undoing exactly one extra level
 * repairs those. The price: a text that literally discusses "&amp;lt;" loses one level too.
 */
const DOUBLE_ESCAPED_ENTITY = /&amp;(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/gi;

/** The readable text of an HTML fragment and its first content image. */
export interface HtmlContent {
  text: string;
  image?: string;
  /**
   * Nearly all the text is link text: a list of related headlines (Google News), a lone
   * "Comments" link. Such a body says nothing about the entry itself.
   */
  linksOnly?: boolean;
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
  if (!/[<&]/.test(html)) return { text: foldLines(whitespaceRunsToSpace(html)).normalize('NFC') };
  let text = '';
  // The text since the last block break, as written: its whitespace is folded once per line, not per chunk.
  let line = '';
  const breakLine = () => {
    text += `${whitespaceRunsToSpace(line)}\n`;
    line = '';
  };
  let image: string | undefined;
  let skippedDepth = 0;
  let depth = 0;
  let linkDepth = 0;
  let linkChars = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (++depth > MAX_NESTING_DEPTH) parser.pause();
        else if (SKIPPED_ELEMENTS.has(name)) skippedDepth++;
        else if (BLOCK_ELEMENTS.has(name)) breakLine();
        else if (name === 'a') linkDepth++;
        else if (name === 'img' && image === undefined) image = contentImage(attributes, base);
      },
      onclosetag(name) {
        depth--;
        if (SKIPPED_ELEMENTS.has(name)) skippedDepth = Math.max(0, skippedDepth - 1);
        else if (BLOCK_ELEMENTS.has(name)) breakLine();
        else if (name === 'a') linkDepth = Math.max(0, linkDepth - 1);
      },
      ontext(chunk) {
        if (skippedDepth > 0) return;
        // Line breaks in HTML source are only whitespace; breaks come from block elements.
        line += chunk;
        if (linkDepth > 0) linkChars += whitespaceRunsToSpace(chunk).length;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html.replace(DOUBLE_ESCAPED_ENTITY, '&$1;'));
  text += whitespaceRunsToSpace(line);
  const folded = foldLines(text);
  const linksOnly = linkChars > 0 && linkChars >= LINKS_ONLY_SHARE * folded.length;
  return { text: folded.normalize('NFC'), image, ...(linksOnly ? { linksOnly } : {}) };
}

/**
 * Lines trimmed, runs of spaces made one, empty lines dropped. Every whitespace character
 * but the block breaks ('\n') is already a space here.
 */
function foldLines(text: string): string {
  const folded = text.replace(/ {2,}/g, ' ').replace(/ ?\n[ \n]*/g, '\n');
  // Trimmed by hand: a /[ \n]+$/ alternative would be tried at every space of the text.
  let start = 0;
  let end = folded.length;
  while (start < end && isSpaceOrBreak(folded.charCodeAt(start))) start++;
  while (end > start && isSpaceOrBreak(folded.charCodeAt(end - 1))) end--;
  return folded.slice(start, end);
}

function isSpaceOrBreak(code: number): boolean {
  return code === 0x20 || code === 0x0a;
}

function contentImage(attributes: Record<string, string>, base: string | undefined): string | undefined {
  if (attributes['width'] === '1' || attributes['height'] === '1') return undefined; // a tracking pixel
  const source = [attributes['src'], attributes['data-src']].find((value) => value && !value.startsWith('data:'));
  return source === undefined ? undefined : absoluteHttpUrl(source, base);
}

/** `url` resolved against `base` when it is (or becomes) an http(s) URL. */
export function absoluteHttpUrl(url: string, base?: string): string | undefined {
  try {
    const resolved = new URL(url.trim(), base);
    return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : undefined;
  } catch {
    return undefined;
  }
}
