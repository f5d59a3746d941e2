import { hash as oneShotHash } from 'node:crypto';
import { foldedLinesForComparison, normalizeForComparison, whitespaceRunsToSpace } from '../text/fold.js';
import { splitSentences } from '../text/sentences.js';
import { boundItemText } from '../text/bound.js';
import { canonicalizeUrl, canonicalUrlOf, parseHttpUrl } from './canonical-url.js';
import type { FeedEntry } from './feed-entry.js';
import { absoluteHttpUrl, htmlToText, readHtml, type HtmlContent } from './html-text.js';
import type { Item } from './item.js';
import { stripBoilerplate } from './boilerplate.js';
import { withoutCreditedOutlet } from './source-name.js';
import { primaryLanguage, resolveLanguage, SCRIPT_SAMPLE_LENGTH } from './language.js';

/** What normalization needs to know about the feed an entry came from. */
export interface NormalizeContext {
  feedId: string;
  sourceName: string;
  section?: string;
  /** The feed's declared language, used when an entry declares none. */
  feedLanguage?: string;
  /** The feed's own URL (or its site link): the base for relative links and images. */
  feedLink?: string;
  now: Date;
}

/** Clock skew tolerated before a publication date counts as "in the future". */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

/** A title made from the text is cut here, at a word boundary when there is one. */
const MAX_FALLBACK_TITLE_LENGTH = 140;

/**
 * Feed entries → Items: canonical URL, plain-text title and text, UTC publication date (the
 * first-seen time when missing, unparseable or in the future), language, categories, image and
 * content hash. Entries with neither title, text nor link are dropped, and an entry whose id
 * repeats an earlier one in the same batch is dropped too.
 *
 * One exception to fragment-free URLs: when several entries of the feed link to one page with
 * different fragments (a blog that posts many items on one day's page), the fragment is what
 * tells them apart, so their URLs keep it; otherwise exact dedup would merge them all.
 */
export function normalizeEntries(entries: FeedEntry[], context: NormalizeContext): Item[] {
  const seen = new Set<string>();
  const normalized: NormalizedEntry[] = [];
  // Every entry of the batch is first seen now: one ISO string for all.
  const now = context.now.toISOString();
  for (const entry of entries) {
    const result = normalizeEntry(entry, context, now);
    if (!result || seen.has(result.item.id)) continue;
    seen.add(result.item.id);
    normalized.push(result);
  }
  const fragmentsByUrl = new Map<string, Set<string>>();
  for (const { item, fragment } of normalized) {
    if (item.url && fragment) fragmentsByUrl.set(item.url, (fragmentsByUrl.get(item.url) ?? new Set()).add(fragment));
  }
  return normalized.map(({ item, fragment }) =>
    item.url && fragment && fragmentsByUrl.get(item.url)!.size > 1 ? { ...item, url: `${item.url}${fragment}` } : item);
}

interface NormalizedEntry {
  item: Item;
  /** The `#fragment` of the entry's link as written, if any. */
  fragment?: string;
}

/** `now` is context.now as an ISO string. */
function normalizeEntry(entry: FeedEntry, context: NormalizeContext, now: string): NormalizedEntry | undefined {
  const base = context.feedLink;
  const { text, image: firstImage, folded } = readBody(entry, base);
  const outlet = creditedOutlet(entry.source);
  const writtenTitle = entry.title === undefined ? undefined : readHtml(entry.title);
  const titleAsWritten = writtenTitle === undefined ? '' : singleLine(writtenTitle.text);
  const declaredTitle = outlet === undefined ? titleAsWritten : withoutCreditedOutlet(titleAsWritten, outlet);
  const linkAsWritten = entry.link?.trim() ? parseHttpUrl(entry.link, base) : undefined;
  const url = canonicalLink(entry, linkAsWritten);
  if (declaredTitle === '' && text === '' && url === undefined) return undefined;

  const language = resolveLanguage(entry.language ?? context.feedLanguage, `${declaredTitle}\n${text.slice(0, SCRIPT_SAMPLE_LENGTH)}`);
  const title = declaredTitle || firstSentence(text, language) || url || '';
  // A title read in NFKC is one line of single spaces: lower-casing is all its fold does.
  const hash = hashOfFolded(title === titleAsWritten && writtenTitle?.inNfkc ? title.toLowerCase() : normalizeForComparison(title), folded);
  const guid = entry.guid?.trim() || undefined;
  const item: Item = {
    // The link as written, not canonical: archive pages tell posts apart by fragment alone.
    id: itemIdFor(context.feedId, guid ?? linkAsWritten?.href ?? url ?? hash),
    feedId: context.feedId,
    sourceName: outlet ?? context.sourceName,
    guid,
    url,
    title,
    // Cut after the hash, which stays that of the whole text: an item keeps its exact-dedup key.
    text: boundItemText(text),
    author: entry.author === undefined ? undefined : singleLine(htmlToText(entry.author)) || undefined,
    publishedAt: publishedAt(entry.published, context.now) ?? now,
    firstSeenAt: now,
    language,
    categories: cleanCategories(entry.categories),
    image: (entry.image ? absoluteHttpUrl(entry.image, base) : undefined) ?? firstImage,
    contentHash: hash,
    section: context.section,
  };
  return { item, fragment: linkAsWritten?.hash || undefined };
}

/** An entry's text and first image, with the text folded for comparison (normalizeForComparison) once, for its hash. */
interface Body {
  text: string;
  image?: string;
  folded: string;
}

/**
 * Text (and first image) of the content, else of the summary: content that is only markup
 * (an out-of-line Atom `src`, an image alone) leaves the summary to speak. A body that is only
 * links (Google News's list of related headlines) is no text beside a title, and publishers'
 * boilerplate is taken out.
 */
function readBody(entry: FeedEntry, base: string | undefined): Body {
  const content = ownText(readHtml(entry.contentHtml ?? '', base), entry.title);
  if (content.text !== '' || entry.summaryHtml === undefined) return content;
  const summary = ownText(readHtml(entry.summaryHtml, base), entry.title);
  return { text: summary.text, image: content.image ?? summary.image, folded: summary.folded };
}

/**
 * What a body says of its own: nothing when it is only links beside a title, else its text
 * without boilerplate. A text in NFKC is folded first, cheaply: stripBoilerplate looks for its
 * hint words in the fold (one scan, which also finds where the first one is), and the fold
 * serves the hash unless boilerplate was taken out.
 */
function ownText({ text, image, linksOnly, inNfkc, nfkc }: HtmlContent, title: string | undefined): Body {
  if (linksOnly && title?.trim()) return { text: '', image, folded: '' };
  const folded = inNfkc ? foldedLinesForComparison(text) : undefined;
  const own = stripBoilerplate(text, folded);
  if (own !== text) return { text: own, image, folded: normalizeForComparison(own) };
  return { text, image, folded: folded ?? normalizeForComparison(text, nfkc) };
}

/**
 * The outlet an aggregated entry credits, by name. A bare address there (Dublin Core's
 * `dc:source` of a listing) names no outlet: the feed's own name stays.
 */
function creditedOutlet(source: string | undefined): string | undefined {
  const name = source === undefined ? '' : singleLine(htmlToText(source));
  return name === '' || /^https?:\/\//i.test(name) ? undefined : name;
}

/** The entry's link (parsed once, as `link`: undefined when it is no http(s) URL), else its guid when that is a permalink, in canonical form. */
function canonicalLink(entry: FeedEntry, link: URL | undefined): string | undefined {
  if (entry.link?.trim()) return link && canonicalUrlOf(link);
  return entry.guid && /^https?:\/\//i.test(entry.guid.trim()) ? canonicalizeUrl(entry.guid) : undefined;
}

/**
 * Hash of a title and text after NFKC folding, lower-casing and whitespace folding, so the
 * same story republished with other markup, width variants or spacing hashes the same.
 */
export function contentHash(title: string, text: string): string {
  return hashOfFolded(normalizeForComparison(title), normalizeForComparison(text));
}

/** contentHash of a title and a text both already folded for comparison. */
function hashOfFolded(foldedTitle: string, foldedText: string): string {
  return sha256(`${foldedTitle}\n${foldedText}`).slice(0, 32);
}

/** A short stable id for an entry of a feed: the same feed and identity always give the same id. */
export function itemIdFor(feedId: string, identity: string): string {
  return sha256(`${feedId}\n${identity}`).slice(0, 16);
}

function sha256(value: string): string {
  return oneShotHash('sha256', value);
}

/** A zone at the end of a date string that Date.parse understands: an offset, Z, UT(C), GMT or a US zone. */
const EXPLICIT_ZONE = /(?:[+-]\d{2}:?\d{2}|\b(?:Z|UTC?|GMT|[ECMP][SD]T))\s*$/i;

/** ISO 8601 UTC of a feed's date string; undefined when unparseable or in the future. */
function publishedAt(raw: string | undefined, now: Date): string | undefined {
  if (raw === undefined) return undefined;
  const time = parseFeedDate(raw.trim());
  if (Number.isNaN(time) || time > now.getTime() + FUTURE_SKEW_MS) return undefined;
  return new Date(time).toISOString();
}

/**
 * Date.parse, except that a date without a zone is read as UTC rather than as the server's
 * local time, so the same feed gives the same instant on every machine.
 */
function parseFeedDate(raw: string): number {
  if (EXPLICIT_ZONE.test(raw)) return Date.parse(raw);
  const asUtc = Date.parse(/^\d{4}-\d{2}-\d{2}T/.test(raw) ? `${raw}Z` : `${raw} UTC`);
  return Number.isNaN(asUtc) ? Date.parse(raw) : asUtc;
}

function cleanCategories(categories: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const category of categories) {
    const clean = singleLine(category);
    const key = clean.toLowerCase();
    if (clean !== '' && !byKey.has(key)) byKey.set(key, clean);
  }
  return [...byKey.values()];
}

/** Text on one line: every run of whitespace (line breaks too) made one space, trimmed. */
export function singleLine(text: string): string {
  return whitespaceRunsToSpace(text).trim();
}

/** The first sentence of the first paragraph, cut to a headline's length. */
function firstSentence(text: string, language: string | undefined): string {
  // Only the start can become the title: a long paragraph is not split whole for it.
  const paragraph = (text.split('\n', 1)[0] ?? '').slice(0, 4 * MAX_FALLBACK_TITLE_LENGTH);
  const sentence = splitSentences(paragraph, primaryLanguage(language) ?? 'en')[0] ?? '';
  if (sentence.length <= MAX_FALLBACK_TITLE_LENGTH) return sentence;
  const cut = sentence.slice(0, MAX_FALLBACK_TITLE_LENGTH);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > MAX_FALLBACK_TITLE_LENGTH / 2 ? cut.slice(0, lastSpace) : [...cut].slice(0, -1).join('')}…`;
}
