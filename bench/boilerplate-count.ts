/**
 * How much publisher boilerplate reaches item texts: a measure for `npm run corpus`, written
 * independently of src/feeds/boilerplate.ts (looser patterns, any position in the text), so
 * what the stripper misses still counts.
 */
import type { Item } from '../src/feeds/item.js';

const KINDS = {
  // A credit opens with a capital ("Reporting by Jane Doe"): "was produced by Konstantin Ernst" is news.
  // Not /i: under it \p{Lu} matches any letter, and "Reporting by phone" would count.
  'credits/bylines': /\b(?:[Aa]dditional reporting|Reporting|Writing|Editing|Produced|Compiled|Research) by \p{Lu}/u,
  '[…] elisions': /\[\s*(?:…|\.\.\.)\s*\]/u,
  'read more/continue reading': /\b(?:read more|continue reading|keep reading|read (?:this|the) (?:article|story) in full)\b/iu,
  '"The post … appeared first on …"': /\bappeared first on\b/iu,
  'photo captions/credits': /\((?:\w+ )?photo(?:graph)?\b[^)]{0,100}\)|\b(?:image|photo(?:graph)?|picture)s?(?: credits?)?\s*(?::|by\s)|\bgetty images\b/iu,
} as const;

/** Google News's related-headline list: the item's own "Headline - Outlet" as a line of its text ("Headline Outlet"). */
function holdsRelatedHeadlines(item: Item): boolean {
  const credited = item.title.match(/^(.+) - ([^-]+)$/u);
  const line = credited ? `${credited[1]} ${credited[2]}` : undefined;
  return line !== undefined && item.text.split('\n').includes(line);
}

export type BoilerplateCounts = Record<keyof typeof KINDS | 'related-headline lists', number>;

/** For each kind of boilerplate, how many items' texts hold it. */
export function countBoilerplate(items: Item[]): BoilerplateCounts {
  const counts = Object.fromEntries([...Object.keys(KINDS), 'related-headline lists'].map((kind) => [kind, 0])) as BoilerplateCounts;
  for (const item of items) {
    for (const [kind, pattern] of Object.entries(KINDS) as [keyof typeof KINDS, RegExp][]) if (pattern.test(item.text)) counts[kind]++;
    if (holdsRelatedHeadlines(item)) counts['related-headline lists']++;
  }
  return counts;
}
