/**
 * `tsx bench/ingest-snapshot.ts <out.json>`: the whole ingest output (items, exact keys, feed
 * title and name, encoding, format, recovery note or error) for every feed of the shared corpus
 * and of test/fixtures/feeds, with a fixed clock. Taken before and after a speed change, two
 * snapshots must be byte-identical (`cmp a.json b.json`): the change altered nothing users see.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exactKeys } from '../src/dedup/exact-keys.js';
import { listFeedFiles } from '../src/feeds/corpus.js';
import { ingestFeed } from '../src/feeds/ingest.js';
import { hasSharedCorpus, SHARED_CORPUS_DIR } from '../test/support/shared-corpus.js';

const FIXTURES_DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'feeds');
const NOW = new Date('2026-01-15T12:00:00Z');

/** Each document is read bare and as served with a site link and a (sometimes wrong) charset header. */
const CONTEXTS = [
  { contentType: undefined, feedLink: undefined },
  { contentType: 'application/rss+xml; charset=utf-8', feedLink: 'https://example.org/news/feed.xml' },
];

const out = process.argv[2];
if (!out) throw new Error('usage: tsx bench/ingest-snapshot.ts <out.json>');

const snapshot: Record<string, unknown> = {};
for (const directory of hasSharedCorpus ? [SHARED_CORPUS_DIR, FIXTURES_DIR] : [FIXTURES_DIR]) {
  for (const file of await listFeedFiles(directory)) {
    const bytes = new Uint8Array(await readFile(join(directory, file)));
    snapshot[`${directory === FIXTURES_DIR ? 'fixtures' : 'corpus'}/${file}`] = await Promise.all(CONTEXTS.map(async ({ contentType, feedLink }) => {
      try {
        const result = await ingestFeed(bytes, contentType, { feedId: file, now: NOW, feedLink });
        return { ...result, keys: result.items.map(exactKeys) };
      } catch (error) {
        return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
    }));
  }
}
await writeFile(out, `${JSON.stringify(snapshot, null, 1)}\n`);
console.log(`wrote ${out}: ${Object.keys(snapshot).length} documents`);
