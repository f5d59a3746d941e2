/**
 * The UCI News Aggregator development half (../shared/datasets/uci-news-dev, see its README):
 * 2,844 real English headlines from 1,244 outlets over 10-12 March 2014, each labelled with the
 * story Google News grouped it into. Read as headline-only feed items, one feed per outlet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LabelledItem } from '../../src/dedup/evaluate.js';
import type { Item } from '../../src/feeds/item.js';
import { fnv1a32 } from '../../src/dedup/hash.js';
import { contentHash } from '../../src/feeds/normalize.js';

export const UCI_NEWS_DIR = resolve(process.env.HERALD_DATASETS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets'), 'uci-news-dev');

export const hasUciNews = existsSync(join(UCI_NEWS_DIR, 'headlines.csv'));

export const NO_UCI_NEWS_MESSAGE = `UCI news dev set not found at ${UCI_NEWS_DIR} (it sits beside the clone; set HERALD_DATASETS_DIR to point elsewhere): the dev-set tests are not run`;

/** Rows of an RFC 4180 CSV text (quoted fields may hold commas, doubled quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** Every headline of the dev set as a feed item (no text: the data set has headlines only), labelled with its Google News story. */
export function loadUciNews(): LabelledItem[] {
  const [header, ...rows] = parseCsv(readFileSync(join(UCI_NEWS_DIR, 'headlines.csv'), 'utf8'));
  const column = (name: string) => {
    const index = header!.indexOf(name);
    if (index < 0) throw new Error(`headlines.csv has no ${name} column`);
    return index;
  };
  const [id, title, url, publisher, story, hostname, timestamp] = ['id', 'title', 'url', 'publisher', 'story', 'hostname', 'timestamp_ms'].map(column) as number[];
  return rows
    .filter((row) => row.length === header!.length)
    .map((row): LabelledItem => {
      const at = new Date(Number(row[timestamp!])).toISOString();
      const item: Item = {
        id: `uci-${row[id!]}`,
        feedId: row[hostname!]!,
        sourceName: row[publisher!]!,
        guid: row[url!],
        url: row[url!],
        title: row[title!]!,
        text: '',
        publishedAt: at,
        firstSeenAt: at,
        language: 'en',
        categories: [],
        contentHash: contentHash(row[title!]!, ''),
      };
      return { item, story: row[story!]!, dupOf: item.id };
    });
}

/**
 * The dev set's two halves by story (a hash of the story label), so settings chosen on one half
 * can be checked on stories they never saw, as the held-back evaluation half will be.
 */
export function uciNewsHalf(labelled: LabelledItem[], half: 'tuning' | 'held-out'): LabelledItem[] {
  return labelled.filter((entry) => (fnv1a32(entry.story) % 2 === 0) === (half === 'tuning'));
}
