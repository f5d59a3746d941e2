import { DomHandler, DomUtils, Parser } from 'htmlparser2';
import { MAX_NESTING_DEPTH } from './nesting.js';
import { firstText, looksLikeImage, type FeedEntry, type ParsedFeed, type XmlFeedFormat } from './feed-entry.js';

type Element = ReturnType<typeof DomUtils.findAll>[number];
type Node = Element['children'][number];

const ENTRY_ELEMENTS = new Set(['item', 'entry']);

/**
 * Entries pulled out of an ill-formed XML feed with htmlparser2's forgiving XML mode: unclosed
 * elements are closed at the end, unknown entities stay text, DTD entities are never expanded
 * (so an entity bomb stays inert). Used only when the strict parser refused the document.
 */
export function recoverFeed(text: string, format: XmlFeedFormat): Omit<ParsedFeed, 'recovered'> {
  const document = parseXmlLeniently(text);
  const channel = DomUtils.findOne((element) => ['channel', 'feed'].includes(localName(element)), document.children);
  return {
    format,
    title: channel ? textOf(childNamed(channel, 'title')) : undefined,
    link: channel ? linkOf(channel) : undefined,
    language: channel ? firstText(textOf(childNamed(channel, 'language', 'dc:language')), channel.attribs['xml:lang']) : undefined,
    entries: DomUtils.findAll((element) => ENTRY_ELEMENTS.has(localName(element)), document.children).map(entryOf),
  };
}

/** Elements nested deeper than MAX_NESTING_DEPTH end the document there. */
class DepthLimitedHandler extends DomHandler {
  private depth = 0;
  /** Stops the parser feeding this handler. */
  stop?: () => void;

  override onopentag(name: string, attributes: Record<string, string>): void {
    if (++this.depth > MAX_NESTING_DEPTH) this.stop?.();
    else super.onopentag(name, attributes);
  }

  override onclosetag(): void {
    if (--this.depth < MAX_NESTING_DEPTH) super.onclosetag();
  }
}

function parseXmlLeniently(text: string): DepthLimitedHandler['root'] {
  const handler = new DepthLimitedHandler(null, { xmlMode: true });
  const parser = new Parser(handler, { xmlMode: true });
  handler.stop = () => parser.pause();
  parser.end(text);
  return handler.root;
}

function entryOf(element: Element): FeedEntry {
  const author = childNamed(element, 'author', 'dc:creator');
  return {
    guid: firstText(textOf(childNamed(element, 'guid', 'id')), element.attribs['rdf:about']),
    link: linkOf(element),
    title: textOf(childNamed(element, 'title')),
    contentHtml: markupOf(childNamed(element, 'content:encoded', 'content')),
    summaryHtml: markupOf(childNamed(element, 'description', 'summary')),
    author: firstText(textOf(author && childNamed(author, 'name')), textOf(author)),
    published: textOf(childNamed(element, 'pubdate', 'published', 'dc:date', 'issued', 'updated', 'modified')),
    categories: childrenNamed(element, 'category', 'dc:subject')
      .map((category) => firstText(category.attribs['term'], textOf(category)))
      .filter((category) => category !== undefined),
    image: imageOf(element),
    language: textOf(childNamed(element, 'dc:language')),
  };
}

/** RSS puts the link in the text, Atom in `href` (the `alternate` one when there are several). */
function linkOf(element: Element): string | undefined {
  const links = childrenNamed(element, 'link');
  const alternate = links.find((link) => link.attribs['href'] && (link.attribs['rel'] ?? 'alternate') === 'alternate');
  return firstText(alternate?.attribs['href'], ...links.map(textOf));
}

function imageOf(element: Element): string | undefined {
  const media = DomUtils.findAll((child) => ['media:content', 'media:thumbnail', 'enclosure'].includes(child.name), element.children);
  const image = media.find((candidate) => {
    const { url, type, medium } = candidate.attribs;
    return candidate.name === 'media:thumbnail' ? Boolean(url) : looksLikeImage(url, type, medium);
  });
  return image?.attribs['url'];
}

/** Escaped HTML arrives as text; inline XHTML (Atom `type="xhtml"`) as child elements. */
function markupOf(element: Element | undefined): string | undefined {
  if (!element) return undefined;
  const hasElements = element.children.some(isElement);
  return firstText(hasElements ? DomUtils.getInnerHTML(element, { xmlMode: true }) : DomUtils.textContent(element));
}

function textOf(element: Element | undefined): string | undefined {
  return element && firstText(DomUtils.textContent(element));
}

function childNamed(element: Element, ...names: string[]): Element | undefined {
  for (const name of names) {
    const found = element.children.find((child): child is Element => isElement(child) && child.name.toLowerCase() === name);
    if (found) return found;
  }
  return undefined;
}

function childrenNamed(element: Element, ...names: string[]): Element[] {
  return element.children.filter((child): child is Element => isElement(child) && names.includes(child.name.toLowerCase()));
}

function localName(element: Element): string {
  return element.name.slice(element.name.indexOf(':') + 1).toLowerCase();
}

function isElement(node: Node): node is Element {
  return 'attribs' in node;
}
