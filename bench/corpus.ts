/**
 * `npm run corpus`: every file of the shared feed corpus through decode + parse + normalize,
 * printed as a table (file, format, encoding, items, outcome), then how many item texts still
 * hold publisher boilerplate. Exits non-zero on a crash.
 */
import { readCorpus, sweepFile } from '../src/feeds/corpus.js';
import type { Item } from '../src/feeds/item.js';
import { countBoilerplate } from './boilerplate-count.js';
import { hasSharedCorpus, NO_CORPUS_MESSAGE, SHARED_CORPUS_DIR } from '../test/support/shared-corpus.js';

if (!hasSharedCorpus) {
  console.log(NO_CORPUS_MESSAGE);
  process.exit(0);
}

const now = new Date();
const rows: string[][] = [];
const tally = { ok: 0, recovered: 0, error: 0, crash: 0 };
const items: Item[] = [];
for (const { file, expectedItems } of await readCorpus(SHARED_CORPUS_DIR)) {
  const sweep = await sweepFile(SHARED_CORPUS_DIR, file, now);
  tally[sweep.outcome]++;
  items.push(...(sweep.result?.items ?? []));
  const expected = expectedItems === undefined ? '' : ` (manifest ${expectedItems})`;
  rows.push([file, sweep.format ?? '-', sweep.encoding ?? '-', `${sweep.items}${expected}`, sweep.outcome, sweep.detail ?? '']);
}

const header = ['file', 'format', 'encoding', 'items', 'outcome', 'detail'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => Math.min(row[column]!.length, 60))));
const line = (cells: string[]) => cells.map((cell, column) => cell.slice(0, 90).padEnd(widths[column]!)).join(' | ').trimEnd();
console.log([line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.map(line)].join('\n'));
console.log(`\n${rows.length} files: ${tally.ok} ok, ${tally.recovered} recovered, ${tally.error} refused with FeedParseError, ${tally.crash} crashed`);
const boilerplate = Object.entries(countBoilerplate(items));
console.log(`\nItems whose text holds boilerplate (of ${items.length}): ${boilerplate.map(([kind, count]) => `${kind} ${count}`).join(', ')}; ${boilerplate.reduce((sum, [, count]) => sum + count, 0)} in all`);
process.exit(tally.crash === 0 ? 0 : 1);
