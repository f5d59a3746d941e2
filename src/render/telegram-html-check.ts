/**
 * A strict checker of the HTML subset Telegram's Bot API accepts with parse_mode "HTML",
 * for tests and the Telegram emulator: stricter than Telegram itself where Telegram is lenient
 * (attribute values must be double-quoted, `>` must be escaped), so what passes here passes there.
 */

export type TelegramHtmlCheck = { ok: true; text: string } | { ok: false; error: string };

/** Tags Telegram knows, with the attributes each may carry (name → required). */
const TAGS: Record<string, Record<string, boolean>> = {
  b: {}, strong: {}, i: {}, em: {}, u: {}, ins: {}, s: {}, strike: {}, del: {},
  'tg-spoiler': {},
  span: { class: true },
  a: { href: true },
  code: { class: false },
  pre: {},
  blockquote: { expandable: false },
  'tg-emoji': { 'emoji-id': true },
};

const ENTITY = /&(?:(lt|gt|amp|quot)|#(\d{1,7})|#x([\da-f]{1,6}));/iy;
const TAG = /<(\/?)([a-z][a-z-]*)((?:\s+[a-z][a-z-]*(?:="[^"<>]*")?)*)\s*>/y;
const ATTRIBUTE = /\s+([a-z][a-z-]*)(?:="([^"<>]*)")?/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function decodeEntity(match: RegExpExecArray): string | undefined {
  if (match[1]) return NAMED[match[1].toLowerCase()];
  const code = match[2] ? Number(match[2]) : Number.parseInt(match[3]!, 16);
  return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : undefined;
}

/** Decodes entities in an attribute value; undefined when one is malformed. */
function decodeAttribute(value: string): string | undefined {
  let out = '';
  for (let i = 0; i < value.length; ) {
    if (value[i] !== '&') {
      out += value[i];
      i += 1;
      continue;
    }
    ENTITY.lastIndex = i;
    const match = ENTITY.exec(value);
    const decoded = match ? decodeEntity(match) : undefined;
    if (!match || decoded === undefined) return undefined;
    out += decoded;
    i = ENTITY.lastIndex;
  }
  return out;
}

function checkAttributes(name: string, raw: string): string | undefined {
  const allowed = TAGS[name]!;
  const seen = new Map<string, string>();
  for (const [, attribute, value] of raw.matchAll(ATTRIBUTE)) {
    if (!(attribute! in allowed)) return `<${name}> does not take the attribute "${attribute}"`;
    const decoded = decodeAttribute(value ?? '');
    if (decoded === undefined) return `<${name} ${attribute}> has a malformed entity`;
    seen.set(attribute!, decoded);
  }
  for (const [attribute, required] of Object.entries(allowed)) if (required && !seen.has(attribute)) return `<${name}> needs ${attribute}`;
  if (name === 'span' && seen.get('class') !== 'tg-spoiler') return '<span> is only accepted as class="tg-spoiler"';
  const href = seen.get('href');
  if (href !== undefined && !/^(https?:\/\/[^\s]+|tg:\/\/\S+|mailto:\S+)$/i.test(href)) return `<a href="${href}"> is not a link Telegram accepts`;
  return undefined;
}

/** Whether `child` may open inside the open tags `stack`. */
function nestingProblem(child: string, stack: string[]): string | undefined {
  const parent = stack.at(-1);
  if (child === 'a' && stack.includes('a')) return 'a link inside a link';
  if (parent === 'code') return `<${child}> inside <code>`;
  if (parent === 'pre' && child !== 'code') return `<${child}> inside <pre>`;
  return undefined;
}

/** Checks Telegram HTML and returns the visible text (what Telegram counts) when it is valid. */
export function checkTelegramHtml(html: string): TelegramHtmlCheck {
  const stack: string[] = [];
  let text = '';
  for (let i = 0; i < html.length; ) {
    const char = html[i]!;
    if (char === '&') {
      ENTITY.lastIndex = i;
      const match = ENTITY.exec(html);
      const decoded = match ? decodeEntity(match) : undefined;
      if (!match || decoded === undefined) return { ok: false, error: `unescaped or unknown entity "&" at ${i}` };
      text += decoded;
      i = ENTITY.lastIndex;
    } else if (char === '<') {
      TAG.lastIndex = i;
      const match = TAG.exec(html);
      if (!match) return { ok: false, error: `"<" at ${i} does not start a tag (escape it as &lt;)` };
      const [, closing, name, attributes] = match;
      if (!(name! in TAGS)) return { ok: false, error: `unsupported tag <${name}> at ${i}` };
      if (closing) {
        if (attributes) return { ok: false, error: `closing tag </${name}> with attributes at ${i}` };
        if (stack.at(-1) !== name) return { ok: false, error: `</${name}> at ${i} does not close ${stack.length > 0 ? `<${stack.at(-1)}>` : 'anything'}` };
        stack.pop();
      } else {
        const problem = nestingProblem(name!, stack) ?? checkAttributes(name!, attributes!);
        if (problem) return { ok: false, error: `${problem} at ${i}` };
        stack.push(name!);
      }
      i = TAG.lastIndex;
    } else if (char === '>') {
      return { ok: false, error: `unescaped ">" at ${i}` };
    } else {
      text += char;
      i += 1;
    }
  }
  if (stack.length > 0) return { ok: false, error: `unclosed <${stack.at(-1)}>` };
  return { ok: true, text };
}
