/**
 * Telegram's HTML parse mode, as strict as the Bot API (and stricter about `&`): the text a
 * reader sees and its entities, or the reason Telegram gives for refusing the markup.
 */

/** An entity as Telegram reports it: offsets and lengths in UTF-16 code units of the text. */
export interface MessageEntityRecord {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
}

/** Thrown for HTML Telegram would refuse; the message is Telegram's wording after "can't parse entities: ". */
export class EntityParseError extends Error {}

const TAG_ENTITY: Record<string, string> = {
  b: 'bold', strong: 'bold', i: 'italic', em: 'italic', u: 'underline', ins: 'underline',
  s: 'strikethrough', strike: 'strikethrough', del: 'strikethrough', 'tg-spoiler': 'spoiler', span: 'spoiler',
  a: 'text_link', code: 'code', pre: 'pre', blockquote: 'blockquote',
};

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

interface OpenTag {
  name: string;
  offset: number;
  url?: string;
  language?: string;
  expandable?: boolean;
}

/** Telegram reports positions in UTF-8 bytes of the source. */
const byteOffset = (source: string, index: number) => Buffer.byteLength(source.slice(0, index), 'utf8');

/** Decodes the entity at `index` (which holds '&'); returns the text and its source length. */
function decodeEntity(source: string, index: number): { value: string; length: number } {
  const match = /^&(?:([a-z]+)|#(\d{1,7})|#x([0-9a-f]{1,6}));/i.exec(source.slice(index, index + 12));
  const fail = () => new EntityParseError(`Character "&" at byte offset ${byteOffset(source, index)} begins no supported entity (only &lt; &gt; &amp; &quot; and numeric ones): escape it as &amp;`);
  if (!match) throw fail();
  if (match[1] !== undefined) {
    const value = NAMED_ENTITIES[match[1]];
    if (value === undefined) throw new EntityParseError(`Unsupported HTML entity "&${match[1]};" at byte offset ${byteOffset(source, index)}`);
    return { value, length: match[0].length };
  }
  const codePoint = match[2] !== undefined ? Number(match[2]) : parseInt(match[3]!, 16);
  if (codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) throw fail();
  return { value: String.fromCodePoint(codePoint), length: match[0].length };
}

/** Reads `name="v"`, `name='v'`, `name=v` or a bare `name` up to the tag's closing '>'. */
function readAttributes(source: string, from: number, tagName: string, tagStart: number): { attributes: Map<string, string>; end: number } {
  const attributes = new Map<string, string>();
  let i = from;
  for (;;) {
    while (i < source.length && /\s/.test(source[i]!)) i++;
    if (i >= source.length) throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(source, tagStart)}`);
    if (source[i] === '>') return { attributes, end: i + 1 };
    const name = /^[a-z0-9_-]+/i.exec(source.slice(i))?.[0].toLowerCase();
    if (!name) throw new EntityParseError(`Empty attribute name in the tag "${tagName}" at byte offset ${byteOffset(source, i)}`);
    i += name.length;
    if (source[i] !== '=') {
      attributes.set(name, '');
      continue;
    }
    i++;
    const quote = source[i];
    let raw: string;
    if (quote === '"' || quote === "'") {
      const close = source.indexOf(quote, i + 1);
      if (close < 0) throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(source, tagStart)}`);
      raw = source.slice(i + 1, close);
      i = close + 1;
    } else {
      raw = /^[^\s>]*/.exec(source.slice(i))![0];
      i += raw.length;
    }
    attributes.set(name, decodeText(raw));
  }
}

function decodeText(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '&') {
      const { value, length } = decodeEntity(raw, i);
      out += value;
      i += length;
    } else out += raw[i++];
  }
  return out;
}

function openTag(name: string, attributes: Map<string, string>, offset: number, source: string, tagStart: number): OpenTag {
  if (name === 'span' && attributes.get('class') !== 'tg-spoiler') {
    throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(source, tagStart)}`);
  }
  const language = attributes.get('class')?.match(/^language-(.+)$/)?.[1];
  return { name, offset, url: attributes.get('href') || undefined, language: name === 'code' ? language : undefined, expandable: attributes.has('expandable') };
}

function entityFor(tag: OpenTag, end: number): MessageEntityRecord | undefined {
  const length = end - tag.offset;
  if (length === 0 || (tag.name === 'a' && !tag.url)) return undefined;
  const type = tag.name === 'blockquote' && tag.expandable ? 'expandable_blockquote' : TAG_ENTITY[tag.name]!;
  return { type, offset: tag.offset, length, ...(tag.url && { url: tag.url }), ...(tag.language && { language: tag.language }) };
}

/** Parses Telegram's HTML parse mode: the reader's text and its entities (UTF-16 offsets). */
export function parseTelegramHtml(source: string): { text: string; entities: MessageEntityRecord[] } {
  let text = '';
  const entities: MessageEntityRecord[] = [];
  const open: OpenTag[] = [];
  for (let i = 0; i < source.length; ) {
    const char = source[i]!;
    if (char === '&') {
      const { value, length } = decodeEntity(source, i);
      text += value;
      i += length;
    } else if (char !== '<') {
      text += char;
      i++;
    } else if (source[i + 1] === '/') {
      const close = source.indexOf('>', i);
      if (close < 0) throw new EntityParseError(`Unclosed end tag at byte offset ${byteOffset(source, i)}`);
      const name = source.slice(i + 2, close).trim().toLowerCase();
      const top = open.pop();
      if (!top) throw new EntityParseError(`Unexpected end tag at byte offset ${byteOffset(source, i)}`);
      if (top.name !== name) {
        throw new EntityParseError(`Unmatched end tag at byte offset ${byteOffset(source, i)}, expected "</${top.name}>", found "</${name}>"`);
      }
      const parent = open.at(-1);
      // <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
      if (top.name === 'code' && top.language && parent?.name === 'pre') parent.language = top.language;
      else {
        const entity = entityFor(top, text.length);
        if (entity) entities.push(entity);
      }
      i = close + 1;
    } else {
      const name = /^[a-z0-9-]*/i.exec(source.slice(i + 1))![0].toLowerCase();
      if (!(name in TAG_ENTITY)) throw new EntityParseError(`Unsupported start tag "${name}" at byte offset ${byteOffset(source, i)}`);
      const { attributes, end } = readAttributes(source, i + 1 + name.length, name, i);
      open.push(openTag(name, attributes, text.length, source, i));
      i = end;
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}
