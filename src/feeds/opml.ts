import { Parser } from 'htmlparser2';
import { webFeedAddress } from './feed-address.js';
import type { Feed } from './item.js';
import { nonMarkupOpening } from './text-opening.js';

/** One feed found in an OPML document. */
export interface OpmlFeed {
  url: string;
  title?: string;
  /** Title of the outline the feed sits in (the nearest one, when outlines nest deeper). */
  section?: string;
}

/** What an OPML document yields: its feeds, and one line per outline that was left out and why. */
export interface OpmlParseResult {
  feeds: OpmlFeed[];
  skipped: string[];
}

/** A document that is not OPML at all (as opposed to single bad outlines, which are skipped). */
export class OpmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpmlError';
  }
}

interface OpenOutline {
  label?: string;
  isFeed: boolean;
  hasChildren: boolean;
}

/** Titles from other tools carry stray newlines and runs of spaces; an empty one is no title. */
function cleanLabel(value: string | undefined): string | undefined {
  const folded = value?.replace(/\s+/g, ' ').trim();
  return folded ? folded : undefined;
}

/**
 * Reads the feeds out of an OPML 1.x or 2.0 document: every `<outline>` with an `xmlUrl`.
 * A feed nested in an outline without one takes that outline's title as its section. Outlines
 * that cannot become a feed (no URL, not http(s), a repeated URL) are listed in `skipped`.
 * Throws {@link OpmlError} when the text is not an OPML document.
 */
export function parseOpml(text: string): OpmlParseResult {
  const feeds: OpmlFeed[] = [];
  const skipped: string[] = [];
  const seenUrls = new Set<string>();
  const open: OpenOutline[] = [];
  let root: string | undefined;
  let sawBody = false;

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        root ??= name;
        if (name === 'body') sawBody = true;
        if (name !== 'outline') return;
        const parent = open.at(-1);
        if (parent) parent.hasChildren = true;
        const listed = attributes.xmlurl?.trim();
        const label = cleanLabel(attributes.title) ?? cleanLabel(attributes.text);
        open.push({ label, isFeed: listed !== undefined, hasChildren: false });
        if (listed === undefined) return;
        const shownAs = label ?? listed;
        const url = webFeedAddress(listed);
        if (url === undefined) {
          skipped.push(`"${shownAs}": xmlUrl "${listed}" is not an http(s) URL`);
        } else if (seenUrls.has(url)) {
          skipped.push(`"${shownAs}": ${url} is listed more than once`);
        } else {
          seenUrls.add(url);
          const section = open.slice(0, -1).findLast((outline) => !outline.isFeed)?.label;
          feeds.push({
            url,
            // A text that merely repeats the URL (what exporters write for untitled feeds) is no title.
            ...(label !== undefined && label !== listed && label !== url ? { title: label } : {}),
            ...(section !== undefined ? { section } : {}),
          });
        }
      },
      onclosetag(name) {
        if (name !== 'outline') return;
        const closed = open.pop();
        if (closed && !closed.isFeed && !closed.hasChildren) {
          skipped.push(`"${closed.label ?? '(untitled outline)'}": has no xmlUrl, so it is not a feed`);
        }
      },
    },
    { xmlMode: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(text);

  if (root !== 'opml') {
    const opening = nonMarkupOpening(text);
    if (opening !== undefined) throw new OpmlError(`not an OPML document: it is not XML (it starts with "${opening}")`);
    throw new OpmlError(root === undefined ? 'not an OPML document: no XML elements found' : `not an OPML document: the root element is <${root}>, expected <opml>`);
  }
  if (!sawBody) throw new OpmlError('not an OPML document: <opml> has no <body>');
  return { feeds, skipped };
}

/** XML 1.0's `Char` production: anything else (controls, lone surrogates, U+FFFE/F) cannot be written even escaped. */
function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    codePoint >= 0x10000
  );
}

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A parser folds raw whitespace in attributes to spaces; character references survive.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function attribute(value: string): string {
  return Array.from(value)
    .filter((char) => isXmlChar(char.codePointAt(0)!))
    .join('')
    .replace(/[&<>"'\t\n\r]/g, (char) => ATTRIBUTE_ESCAPES[char]!);
}

function feedOutline(feed: Pick<Feed, 'url' | 'name'>, indent: string): string {
  const title = feed.name !== undefined ? ` title="${attribute(feed.name)}"` : '';
  return `${indent}<outline type="rss" text="${attribute(feed.name ?? feed.url)}"${title} xmlUrl="${attribute(feed.url)}"/>`;
}

/**
 * Writes feeds as an OPML 2.0 document that feed readers import: feeds with a section sit in
 * an outline named after it (sections in order of first appearance), the others at the top.
 */
export function toOpml(feeds: Pick<Feed, 'url' | 'name' | 'section'>[], title = 'Herald feeds'): string {
  const bySection = new Map<string, Pick<Feed, 'url' | 'name'>[]>();
  const lines: string[] = [];
  for (const feed of feeds) {
    if (feed.section === undefined) continue;
    const members = bySection.get(feed.section) ?? [];
    members.push(feed);
    bySection.set(feed.section, members);
  }
  for (const [section, members] of bySection) {
    lines.push(`    <outline text="${attribute(section)}" title="${attribute(section)}">`);
    for (const feed of members) lines.push(feedOutline(feed, '      '));
    lines.push('    </outline>');
  }
  for (const feed of feeds) if (feed.section === undefined) lines.push(feedOutline(feed, '    '));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${attribute(title)}</title>`,
    '  </head>',
    '  <body>',
    ...lines,
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
