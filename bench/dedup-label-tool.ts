/**
 * One-off helper that built test/fixtures/dedup/corpus.json: takes real items from a few news
 * feeds of the shared corpus, strips their HTML crudely and writes them in the authored format
 * of the labelled set, each as its own story (the annotator then adds reprint edits by hand).
 * Usage: npx tsx bench/dedup-label-tool.ts > test/fixtures/dedup/corpus.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { SHARED_CORPUS_DIR } from '../test/support/shared-corpus.js';

const SOURCES: Array<{ file: string; encoding: string; language: string; source: string; take: number }> = [
  { file: 'FeedReader__Rss20NYTimes.xml', encoding: 'utf-8', language: 'en', source: 'The New York Times', take: 25 },
  { file: 'FeedReader__Rss20MoscowTimes.xml', encoding: 'utf-8', language: 'en', source: 'The Moscow Times', take: 20 },
  { file: 'chardet__windows-1251-russian-newsru.com.xml', encoding: 'windows-1251', language: 'ru', source: 'NEWSru.com', take: 25 },
  { file: 'FeedReader__Rss10OrfAt.xml', encoding: 'utf-8', language: 'de', source: 'ORF.at', take: 15 },
  // A fire brigade's dispatch log: every entry written from one template, each a different call-out.
  { file: 'FeedReader__Rss091Stadtfeuerwehr.xml', encoding: 'iso-8859-1', language: 'de', source: 'Stadtfeuerwehr Weiz', take: 15 },
];

function stripHtml(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

const parser = new Parser();
const stories = [];
for (const { file, encoding, language, source, take } of SOURCES) {
  const xml = new TextDecoder(encoding).decode(readFileSync(join(SHARED_CORPUS_DIR, file)));
  const feed = await parser.parseString(xml);
  let index = 0;
  for (const entry of feed.items) {
    const text = stripHtml(entry.contentSnippet ?? entry.content ?? entry.summary ?? '');
    const title = stripHtml(entry.title ?? '');
    if (!title || index >= take) continue;
    index += 1;
    const id = `corpus-${language}-${file.split('__')[1]!.replace(/\W+/g, '').slice(0, 12).toLowerCase()}-${index}`;
    stories.push({ story: id, items: [{ id, source, at: new Date(entry.isoDate ?? Date.UTC(2017, 0, 1)).toISOString(), title, text, url: entry.link, origin: file }] });
  }
}
console.log(JSON.stringify({ language: 'mixed', stories }, null, 2));
