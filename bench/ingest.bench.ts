import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { exactKeys } from '../src/dedup/exact-keys.js';
import { listFeedFiles } from '../src/feeds/corpus.js';
import { decodeFeed } from '../src/feeds/decode.js';
import { ingestFeed } from '../src/feeds/ingest.js';
import { parseFeed } from '../src/feeds/parse.js';
import { hasSharedCorpus, NO_CORPUS_MESSAGE, SHARED_CORPUS_DIR } from '../test/support/shared-corpus.js';
import { timeIt, withRatio, type Benchmark } from './harness.js';

/** Wall time spent on each side before the figures are taken: enough for a stable rate on a busy machine. */
const TARGET_MS_PER_SIDE = 2500;

const FIXTURES_DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'feeds');

interface CorpusDocument { file: string; bytes: Uint8Array }

async function loadDocuments(directory: string): Promise<CorpusDocument[]> {
  return Promise.all((await listFeedFiles(directory)).map(async (file) => ({ file, bytes: new Uint8Array(await readFile(join(directory, file))) })));
}

/** Process CPU time (user + system, all threads) since `start`, in milliseconds. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/** One pass of Herald's pipeline with exact dedup in a fresh in-memory key set; returns items in and duplicates dropped. */
async function heraldPass(documents: CorpusDocument[], now: Date): Promise<{ items: number; duplicates: number }> {
  const seenKeys = new Set<string>();
  let items = 0;
  let duplicates = 0;
  for (const { file, bytes } of documents) {
    const result = await ingestFeed(bytes, undefined, { feedId: file, now }).catch(() => undefined);
    for (const item of result?.items ?? []) {
      items++;
      const keys = exactKeys(item);
      if (keys.some((key) => seenKeys.has(key))) duplicates++;
      for (const key of keys) seenKeys.add(key);
    }
  }
  return { items, duplicates };
}

/** Herald's decode and parse steps alone (rss-parser with Herald's extra fields, recovery of ill-formed feeds): the ceiling of the whole. */
async function parseStepPass(documents: CorpusDocument[]): Promise<void> {
  for (const { bytes } of documents) await parseFeed(decodeFeed(bytes).text).catch(() => undefined);
}

/** One pass of rss-parser alone over the same bytes, decoded naively as UTF-8; returns items parsed. */
async function rssParserPass(documents: CorpusDocument[], parser: Parser): Promise<{ items: number; failures: number }> {
  let items = 0;
  let failures = 0;
  for (const { bytes } of documents) {
    const feed = await parser.parseString(new TextDecoder().decode(bytes)).catch(() => undefined);
    if (feed) items += feed.items.length;
    else failures++;
  }
  return { items, failures };
}

const benchmark: Benchmark = {
  title: 'Ingest: decode + parse + normalize + exact dedup over the feed corpus, beside rss-parser alone',
  async run(log) {
    if (!hasSharedCorpus) log(`${NO_CORPUS_MESSAGE}; measuring over test/fixtures/feeds instead`);
    const documents = await loadDocuments(hasSharedCorpus ? SHARED_CORPUS_DIR : FIXTURES_DIR);
    const megabytes = documents.reduce((sum, { bytes }) => sum + bytes.length, 0) / 1e6;
    const parser = new Parser();
    const now = new Date();

    // Warm-up (JIT, ICU decoders), then alternate the two sides so machine load hits both alike.
    const herald = await heraldPass(documents, now);
    const baseline = await rssParserPass(documents, parser);
    await parseStepPass(documents);
    let heraldMs = 0;
    let baselineMs = 0;
    let parseStepMs = 0;
    let heraldCpuMs = 0;
    let baselineCpuMs = 0;
    let passes = 0;
    while (heraldMs < TARGET_MS_PER_SIDE || baselineMs < TARGET_MS_PER_SIDE) {
      const heraldCpu = process.cpuUsage();
      heraldMs += (await timeIt(() => heraldPass(documents, now))).ms;
      heraldCpuMs += cpuMsSince(heraldCpu);
      const baselineCpu = process.cpuUsage();
      baselineMs += (await timeIt(() => rssParserPass(documents, parser))).ms;
      baselineCpuMs += cpuMsSince(baselineCpu);
      parseStepMs += (await timeIt(() => parseStepPass(documents))).ms;
      passes++;
    }
    log(`${documents.length} files, ${megabytes.toFixed(2)} MB, ${passes} passes per side`);
    log(`Herald: ${herald.items} items per pass, ${herald.duplicates} exact duplicates dropped; rss-parser: ${baseline.items} items, ${baseline.failures} files refused`);
    log(
      `where Herald's time goes: decode + parse ${((100 * parseStepMs) / heraldMs).toFixed(0)}% (${(parseStepMs / baselineMs).toFixed(2)} × rss-parser alone), ` +
        `normalize + exact dedup ${((100 * (heraldMs - parseStepMs)) / heraldMs).toFixed(0)}%`,
    );

    const perSecond = (count: number, ms: number) => (count * passes) / (ms / 1000);
    return [
      withRatio({
        name: 'ingest items/s (decode+parse+normalize+exact dedup)',
        value: perSecond(herald.items, heraldMs),
        unit: 'items/s',
        baseline: perSecond(baseline.items, baselineMs),
        note: `baseline: rss-parser parseString alone, naive UTF-8, same ${documents.length} files (it refuses ${baseline.failures})`,
      }),
      withRatio({
        name: 'ingest throughput (decode+parse+normalize+exact dedup)',
        value: perSecond(megabytes, heraldMs),
        unit: 'MB/s',
        baseline: perSecond(megabytes, baselineMs),
        note: 'baseline: rss-parser parseString alone over the same bytes',
      }),
      withRatio({
        name: 'ingest throughput per CPU second (decode+parse+normalize+exact dedup)',
        value: perSecond(megabytes, heraldCpuMs),
        unit: 'MB/s',
        baseline: perSecond(megabytes, baselineCpuMs),
        note: 'the MB/s figure by process CPU time (user + system, GC threads included) instead of wall time: steadier when other work shares the machine',
      }),
      { name: 'ingest exact duplicates dropped per corpus pass', value: herald.duplicates, unit: 'items', note: `of ${herald.items} items` },
    ];
  },
};

export default benchmark;
