import { isRecord } from './feed-entry.js';
import { MAX_NESTING_DEPTH } from './nesting.js';

/**
 * An xml2js element serialized as rss-parser serializes a body holding child elements (inline
 * XHTML): wrapped in a `<div>` by xml2js's Builder, without indentation. The Builder goes
 * through xmlbuilder, which makes an object per node and validates every name and value: 4%
 * of Herald's parse time over the feed corpus, spent on its few feeds with such bodies. This
 * writes the same characters directly, for the elements xml2js makes of well-formed XML with
 * ASCII names; for anything else (a name or character the Builder would check more closely,
 * or refuse; nesting deeper than real bodies do, where the Builder's recursion may overflow
 * the stack) it answers undefined, and the caller asks the Builder.
 */
export function xml2jsElementXml(root: Record<string, unknown>, nameOf: (key: string) => string): string | undefined {
  return elementXml('div', root, nameOf, 0);
}

/** ASCII names xmlbuilder accepts as they are: none of its decorator prefixes (`#text`, `?`…), nothing to validate further. */
const PLAIN_NAME = /^[:A-Z_a-z][-.0-9:A-Z_a-z]*$/;

/** What xmlbuilder refuses in text and attribute values (XML 1.0 Char), its own expression: control characters are the point. */
// eslint-disable-next-line no-control-regex
const ILLEGAL_CHARACTER = /[\0-\x08\x0B\f\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };

/** The Builder's reading of one value: a string is text, a record an element with attributes (`$`), text (`_`) and children. */
function elementXml(name: string, value: unknown, nameOf: (key: string) => string, depth: number): string | undefined {
  if (typeof value === 'string') return withContent(name, '', escapedText(value));
  if (!isRecord(value) || depth > MAX_NESTING_DEPTH) return undefined;
  let attributes = '';
  let content = '';
  for (const key in value) {
    // The Builder skips inherited keys; xml2js's objects have no prototype, so this never differs.
    if (!Object.hasOwn(value, key)) continue;
    const child = value[key];
    let written: string | undefined;
    if (key === '$') {
      written = attributesXml(child);
      if (written !== undefined) attributes += written;
    } else if (key === '_') {
      written = typeof child === 'string' ? escapedText(child) : undefined;
      if (written !== undefined) content += written;
    } else {
      written = childrenXml(nameOf(key), child, nameOf, depth + 1);
      if (written !== undefined) content += written;
    }
    if (written === undefined) return undefined;
  }
  return withContent(name, attributes, content);
}

/** An element with no content, or only empty text, closes itself. */
function withContent(name: string, attributes: string, content: string | undefined): string | undefined {
  if (content === undefined) return undefined;
  return content === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${content}</${name}>`;
}

/** xml2js keeps every occurrence of a child element in an array, in document order. */
function childrenXml(name: string, children: unknown, nameOf: (key: string) => string, depth: number): string | undefined {
  if (!Array.isArray(children) || !PLAIN_NAME.test(name)) return undefined;
  let xml = '';
  for (const child of children) {
    const written = Array.isArray(child) ? undefined : elementXml(name, child, nameOf, depth);
    if (written === undefined) return undefined;
    xml += written;
  }
  return xml;
}

function attributesXml(attributes: unknown): string | undefined {
  if (!isRecord(attributes)) return undefined;
  let xml = '';
  for (const name in attributes) {
    const value = attributes[name];
    // xmlbuilder keeps attributes in a plain object, where `__proto__` is no attribute.
    if (typeof value !== 'string' || name === '__proto__' || !PLAIN_NAME.test(name) || ILLEGAL_CHARACTER.test(value)) return undefined;
    xml += ` ${name}="${value.replace(/[&<"\t\n\r]/g, (character) => ATTRIBUTE_ESCAPES[character]!)}"`;
  }
  return xml;
}

function escapedText(text: string): string | undefined {
  return ILLEGAL_CHARACTER.test(text) ? undefined : text.replace(/[&<>\r]/g, (character) => TEXT_ESCAPES[character]!);
}
