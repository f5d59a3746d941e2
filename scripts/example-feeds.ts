/**
 * Writes the items of a labelled dedup file (test/fixtures/dedup/*.json) as RSS 2.0 feeds, one
 * per outlet, so `herald preview` can be shown on a realistic multi-outlet news day:
 *   npx tsx scripts/example-feeds.ts ja docs/examples/feeds/ja
 * The items are the labelled set's own (authored in the style of real news; see its ATTRIBUTION.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandAuthored } from '../test/fixtures/dedup/labelled-set.js';
import { readFileSync } from 'node:fs';

const [language = 'ja', outDir = `docs/examples/feeds/${language}`] = process.argv.slice(2);
const file = JSON.parse(readFileSync(join('test/fixtures/dedup', `${language}.json`), 'utf8'));
const items = expandAuthored(file).map((labelled) => labelled.item);

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const byOutlet = new Map<string, typeof items>();
for (const item of items) byOutlet.set(item.sourceName, [...(byOutlet.get(item.sourceName) ?? []), item]);

mkdirSync(outDir, { recursive: true });
let index = 0;
for (const [outlet, outletItems] of byOutlet) {
  index += 1;
  const entries = outletItems.map((item) =>
    [
      '    <item>',
      `      <title>${escape(item.title)}</title>`,
      item.url ? `      <link>${escape(item.url)}</link>` : '',
      `      <guid isPermaLink="false">${escape(item.id)}</guid>`,
      `      <pubDate>${new Date(item.publishedAt).toUTCString()}</pubDate>`,
      `      <description>${escape(item.text)}</description>`,
      '    </item>',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0">',
    '  <channel>',
    `    <title>${escape(outlet)}</title>`,
    `    <language>${language}</language>`,
    ...entries,
    '  </channel>',
    '</rss>',
    '',
  ].join('\n');
  writeFileSync(join(outDir, `outlet-${String(index).padStart(2, '0')}.xml`), xml);
}
console.log(`wrote ${byOutlet.size} feeds with ${items.length} items to ${outDir}`);
