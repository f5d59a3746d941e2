/**
 * Dedup quality and speed: precision/recall of the near-duplicate layer (pairwise) and of story
 * clustering (B-cubed) on the labelled set in test/fixtures/dedup, with the sweeps the default
 * thresholds were chosen from; a SimHash-64 baseline that justifies MinHash; insert+query
 * throughput of the in-memory and Redis indexes with 100,000 items in the window beside a
 * brute-force all-pairs comparison at 10,000 items; Redis bytes per indexed item.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_CLUSTER_OPTIONS } from '../src/dedup/cluster.js';
import { bcubedScores, evaluateLabelledSet, nearDuplicateAssignment, pairwiseScores, type Assignment, type Scores } from '../src/dedup/evaluate.js';
import { ExactDuplicateSet } from '../src/dedup/exact.js';
import { fingerprintItem, fingerprintSimilarity, type Fingerprint } from '../src/dedup/fingerprint.js';
import { byPublication, groupIntoStories } from '../src/dedup/group.js';
import { fnv1a32 } from '../src/dedup/hash.js';
import { estimatedJaccard } from '../src/dedup/minhash.js';
import { InMemoryNearDuplicateIndex } from '../src/dedup/near-duplicate-index.js';
import { shingles } from '../src/dedup/shingles.js';
import type { Item } from '../src/feeds/item.js';
import { RedisNearDuplicateIndex } from '../src/store/near-duplicate-index.js';
import { RedisStoryEngine } from '../src/store/story-engine.js';
import { loadLabelledSet } from '../test/fixtures/dedup/labelled-set.js';
import { startRedis } from '../test/support/redis.js';
import { machineLoad, median, timeIt, withRatio, type Benchmark, type BenchResult } from './harness.js';
import { infoField, redisCpuMs, sum } from './redis-stats.js';

const WINDOW_ITEMS = 100_000;
const BRUTE_FORCE_ITEMS = 10_000;
const MEASURED_OPERATIONS = 5_000;
const REDIS_MEASURED_OPERATIONS = 2_000;
/** New items of one poll that the story engine matches at once. */
const POLL_BATCH = 20;
/**
 * The Redis batches and the brute-force baseline they are compared with are measured in turns,
 * round after round, and each reported as its median: the machine is shared, and one
 * measurement of each, seconds apart, once put the ratio anywhere between 6.9 and 9.5.
 */
const PAIRED_ROUNDS = 5;
const BRUTE_FORCE_PROBES = 500;

const format = (s: Scores) => `P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)}`;

/** Deterministic pseudo-random numbers (mulberry32), so every run indexes the same synthetic items. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Synthetic news-like items: Zipf-ish words from a 20,000-word vocabulary; one in ten is an edited reprint of an earlier one. */
export function syntheticItems(count: number, seed: number): Item[] {
  const next = random(seed);
  const word = () => `w${Math.floor(20_000 * next() ** 2.5).toString(36)}`;
  const items: Item[] = [];
  const start = Date.parse('2025-03-01T00:00:00Z');
  for (let i = 0; i < count; i += 1) {
    let words: string[];
    if (i > 10 && next() < 0.1) {
      words = items[Math.floor(next() * items.length)]!.text.split(' ');
      words.splice(Math.floor(next() * words.length), 3, word(), word());
    } else {
      words = Array.from({ length: 50 + Math.floor(next() * 40) }, word);
    }
    // Spread over 60 hours so all of them sit inside the 72-hour window.
    const at = new Date(start + Math.floor((i / count) * 60 * 3600_000)).toISOString();
    items.push({ id: `syn-${seed}-${i}`, feedId: `feed-${i % 50}`, sourceName: 'Synthetic', title: words.slice(0, 8).join(' '), text: words.join(' '), publishedAt: at, firstSeenAt: at, categories: [], contentHash: `h${seed}-${i}` });
  }
  return items;
}

/** SimHash-64 over the same shingles: the alternative the MinHash choice is measured against. */
function simHash(text: string): bigint {
  const weights = new Int32Array(64);
  for (const shingle of shingles(text)) {
    const high = fnv1a32(shingle);
    const low = fnv1a32(`${shingle}\u0001`);
    for (let bit = 0; bit < 32; bit += 1) {
      weights[bit] = weights[bit]! + ((high >>> bit) & 1 ? 1 : -1);
      weights[bit + 32] = weights[bit + 32]! + ((low >>> bit) & 1 ? 1 : -1);
    }
  }
  let hash = 0n;
  for (let bit = 0; bit < 64; bit += 1) if (weights[bit]! > 0) hash |= 1n << BigInt(bit);
  return hash;
}

function hamming(a: bigint, b: bigint): number {
  let x = a ^ b;
  let count = 0;
  while (x) {
    x &= x - 1n;
    count += 1;
  }
  return count;
}

/** Pairwise scores of "these two items are near-duplicates" decided per pair (no grouping), for comparing fingerprints. */
function pairDecisionScores(count: number, sameGroup: (i: number, j: number) => boolean, predicted: (i: number, j: number) => boolean): Scores {
  let truePositives = 0;
  let predictedPairs = 0;
  let goldPairs = 0;
  for (let i = 0; i < count; i += 1) {
    for (let j = i + 1; j < count; j += 1) {
      const gold = sameGroup(i, j);
      const guess = predicted(i, j);
      if (gold) goldPairs += 1;
      if (guess) predictedPairs += 1;
      if (gold && guess) truePositives += 1;
    }
  }
  const precision = predictedPairs === 0 ? 1 : truePositives / predictedPairs;
  const recall = goldPairs === 0 ? 1 : truePositives / goldPairs;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

function best(rows: Array<{ setting: number; scores: Scores }>): { setting: number; scores: Scores } {
  return rows.reduce((a, b) => (b.scores.f1 > a.scores.f1 ? b : a));
}

function quality(log: (line: string) => void): BenchResult[] {
  const labelled = loadLabelledSet();
  const items = labelled.map((entry) => entry.item);
  const goldDuplicates: Assignment = new Map(labelled.map((entry) => [entry.item.id, entry.dupOf]));
  const defaults = DEFAULT_CLUSTER_OPTIONS;
  log(`labelled set: ${labelled.length} items, ${new Set(labelled.map((e) => e.story)).size} stories, ${new Set(labelled.map((e) => e.dupOf)).size} near-duplicate groups`);

  log('near-duplicate threshold sweep (estimated Jaccard; pairwise over the groups the pipeline forms):');
  for (const threshold of [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7]) {
    const scores = pairwiseScores(nearDuplicateAssignment(items, { ...defaults, threshold }), goldDuplicates);
    log(`  ${threshold === defaults.threshold ? '→' : ' '} ${threshold.toFixed(2)}  ${format(scores)}`);
  }
  log('same-feed threshold sweep (two entries of one feed: template feeds look alike, a feed repeats itself verbatim):');
  for (const sameFeedThreshold of [0.4, 0.6, 0.7, 0.8, 0.9, 1]) {
    const scores = pairwiseScores(nearDuplicateAssignment(items, { ...defaults, sameFeedThreshold }), goldDuplicates);
    log(`  ${sameFeedThreshold === defaults.sameFeedThreshold ? '→' : ' '} ${sameFeedThreshold.toFixed(2)}  ${format(scores)}`);
  }
  log('shingle size sweep at the chosen threshold (character n for CJK/Thai, word n otherwise):');
  for (const [charGram, wordGram] of [[2, 2], [3, 3], [4, 3], [5, 3], [4, 2], [4, 4]] as const) {
    const scores = pairwiseScores(nearDuplicateAssignment(items, { ...defaults, shingles: { charGram, wordGram } }), goldDuplicates);
    log(`    chars ${charGram} words ${wordGram}  ${format(scores)}`);
  }

  // Per-pair decisions, MinHash vs SimHash, over the same shingles.
  const fingerprints = items.map((item) => fingerprintItem(item));
  const sameGroup = (i: number, j: number) => labelled[i]!.dupOf === labelled[j]!.dupOf;
  const jaccard = (i: number, j: number) => fingerprintSimilarity(fingerprints[i]!, fingerprints[j]!);
  const minHashRows = [0.3, 0.35, 0.4, 0.45, 0.5, 0.6].map((setting) => ({ setting, scores: pairDecisionScores(items.length, sameGroup, (i, j) => jaccard(i, j) >= setting) }));
  const simHashes = items.map((item) => simHash(item.text.length > 0 ? item.text : item.title));
  const simHashRows = [2, 4, 6, 8, 10, 12, 14, 16, 20].map((setting) => ({ setting, scores: pairDecisionScores(items.length, sameGroup, (i, j) => hamming(simHashes[i]!, simHashes[j]!) <= setting) }));
  log('per-pair decisions, MinHash-64 (Jaccard ≥ t) vs SimHash-64 (Hamming ≤ k):');
  for (const row of minHashRows) log(`    minhash t=${row.setting.toFixed(2)}  ${format(row.scores)}`);
  for (const row of simHashRows) log(`    simhash k=${String(row.setting).padStart(2)}    ${format(row.scores)}`);
  const bestMinHash = best(minHashRows);
  const bestSimHash = best(simHashRows);

  // What the Redis index stores per item: fewer bands and fewer bits per value cost less memory.
  log('stored signature bits (per-pair decisions at the chosen threshold, b-bit estimate):');
  for (const bits of [32, 16, 8, 4]) {
    const scores = pairDecisionScores(items.length, sameGroup, (i, j) => fingerprintSimilarity(fingerprints[i]!, fingerprints[j]!, bits) >= defaults.threshold);
    log(`  ${bits === defaults.signatureBits ? '→' : ' '} ${String(bits).padStart(2)} bits  ${format(scores)}`);
  }
  log('LSH bands × rows (pairwise over the groups the pipeline forms; share of pairs at J ≥ threshold sharing a band, in theory at J = threshold):');
  for (const [bands, rows] of [[32, 2], [24, 2], [16, 2], [12, 2], [16, 3]] as const) {
    const scores = pairwiseScores(nearDuplicateAssignment(items, { ...defaults, bands, rows }), goldDuplicates);
    const chance = 1 - (1 - defaults.threshold ** rows) ** bands;
    const chosen = bands === defaults.bands && rows === defaults.rows;
    log(`  ${chosen ? '→' : ' '} ${String(bands).padStart(2)} × ${rows}  ${format(scores)}  (${chance.toFixed(3)})`);
  }

  log('clustering sweep (join threshold × time-decay half-life; title weight 0.15):');
  for (const decayHalfLifeHours of [6, 12, 24, 48]) {
    const cells = [0.12, 0.16, 0.2, 0.24, 0.28].map((joinThreshold) => {
      const { clustering } = evaluateLabelledSet(labelled, { joinThreshold, decayHalfLifeHours });
      const chosen = joinThreshold === defaults.joinThreshold && decayHalfLifeHours === defaults.decayHalfLifeHours;
      return `${chosen ? '→' : ' '}${joinThreshold.toFixed(2)}: ${clustering.f1.toFixed(3)}`;
    });
    log(`    half-life ${String(decayHalfLifeHours).padStart(2)} h  F1 ${cells.join('  ')}`);
  }
  for (const titleWeight of [0, 0.15, 0.3, 0.5]) {
    const { clustering } = evaluateLabelledSet(labelled, { titleWeight });
    log(`    title weight ${titleWeight.toFixed(2)}  ${format(clustering)}`);
  }

  const evaluation = evaluateLabelledSet(labelled);
  const thresholds = `Jaccard ≥ ${defaults.threshold} (same feed ≥ ${defaults.sameFeedThreshold}), shingles ${defaults.shingles.charGram} chars / ${defaults.shingles.wordGram} words, MinHash ${defaults.permutations} values compared on ${defaults.signatureBits} bits, ${defaults.bands} bands × ${defaults.rows} rows`;
  const clusterSettings = `join ≥ ${defaults.joinThreshold}, half-life ${defaults.decayHalfLifeHours} h, title weight ${defaults.titleWeight}`;
  log(`chosen: near-duplicate ${thresholds} → ${format(evaluation.nearDuplicate)}`);
  log(`chosen: clustering ${clusterSettings} → B-cubed ${format(evaluation.clustering)}`);
  return [
    { name: 'dedup near-duplicate precision', value: evaluation.nearDuplicate.precision, unit: 'ratio', note: `${labelled.length} labelled items; ${thresholds}` },
    { name: 'dedup near-duplicate recall', value: evaluation.nearDuplicate.recall, unit: 'ratio' },
    { name: 'dedup near-duplicate F1', value: evaluation.nearDuplicate.f1, unit: 'ratio' },
    { name: 'dedup clustering B-cubed precision', value: evaluation.clustering.precision, unit: 'ratio', note: clusterSettings },
    { name: 'dedup clustering B-cubed recall', value: evaluation.clustering.recall, unit: 'ratio' },
    { name: 'dedup clustering B-cubed F1', value: evaluation.clustering.f1, unit: 'ratio' },
    withRatio({ name: 'dedup best per-pair F1, MinHash vs SimHash', value: bestMinHash.scores.f1, baseline: bestSimHash.scores.f1, unit: 'F1', note: `MinHash t=${bestMinHash.setting} vs SimHash k=${bestSimHash.setting}` }),
  ];
}

/** An id as Herald makes them (16 hex digits), which the Redis index stores in 8 bytes. */
export function heraldId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}

/**
 * Insert+query rate of the in-memory index with the window in it. A function of its own, so the
 * index (~260 MB of the heap) is garbage once measured: kept alive, it made every later garbage
 * collection dearer, which the Redis index's batches paid for (they allocate; the brute-force
 * loop they are compared with does not).
 */
async function inMemoryIndexRate(windowItems: Item[], windowFingerprints: Fingerprint[], probes: Item[], probeFingerprints: Fingerprint[], probeAt: number): Promise<number> {
  const memory = new InMemoryNearDuplicateIndex();
  windowItems.forEach((item, i) => memory.addSync(item.id, windowFingerprints[i]!, Date.parse(item.publishedAt), item.feedId));
  const inMemory = await timeIt(() => {
    probes.forEach((item, i) => {
      memory.querySync(probeFingerprints[i]!, probeAt, item.feedId);
      memory.addSync(item.id, probeFingerprints[i]!, probeAt, item.feedId);
    });
  });
  return MEASURED_OPERATIONS / (inMemory.ms / 1000);
}

/**
 * Redis's CPU time (user and system) and its scripts' time (as INFO commandstats counts it: the
 * commands they call included) so far, in ms, with the number of script calls: where a batch's
 * time goes besides the client.
 */
async function redisTime(redis: Redis): Promise<{ cpuMs: number; scriptMs: number; scriptCalls: number }> {
  const scripts = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await redis.info('commandstats'));
  return { cpuMs: await redisCpuMs(redis), scriptMs: Number(scripts?.[2] ?? 0) / 1000, scriptCalls: Number(scripts?.[1] ?? 0) };
}

async function throughput(log: (line: string) => void): Promise<BenchResult[]> {
  const windowItems = syntheticItems(WINDOW_ITEMS, 1).map((item) => ({ ...item, id: heraldId(item.id) }));
  const probes = syntheticItems(MEASURED_OPERATIONS, 2).map((item) => ({ ...item, id: heraldId(item.id), publishedAt: '2025-03-03T12:00:00.000Z' }));
  const fingerprinting = await timeIt(() => windowItems.map((item) => fingerprintItem(item)));
  const windowFingerprints = fingerprinting.result;
  const probeFingerprints = probes.map((item) => fingerprintItem(item));
  const probeAt = Date.parse('2025-03-03T12:00:00Z');
  const at = (item: Item) => Date.parse(item.publishedAt);
  log(`fingerprinting: ${Math.round(WINDOW_ITEMS / (fingerprinting.ms / 1000))} items/s`);

  const inMemoryRate = await inMemoryIndexRate(windowItems, windowFingerprints, probes, probeFingerprints, probeAt);

  // Brute force: each new item compared with every item of the window.
  const bruteForceRate = async (windowSize: number, probeCount: number): Promise<number> => {
    const window = windowFingerprints.slice(0, windowSize);
    const bruteProbes = probeFingerprints.slice(0, probeCount);
    const { ms } = await timeIt(() => {
      let found = 0;
      for (const probe of bruteProbes) {
        if (probe.kind !== 'minhash') continue;
        for (const other of window) if (other.kind === 'minhash' && estimatedJaccard(probe.signature, other.signature) >= DEFAULT_CLUSTER_OPTIONS.threshold) found += 1;
        window.push(probe);
      }
      return found;
    });
    return probeCount / (ms / 1000);
  };
  // One pass untimed, so the comparison loop is compiled before it is timed (the Redis index is warm from its fill).
  await bruteForceRate(BRUTE_FORCE_ITEMS, 50);
  const bruteRateFullWindow = await bruteForceRate(WINDOW_ITEMS, 50);
  log(`in-memory index: ${Math.round(inMemoryRate)} insert+query/s with ${WINDOW_ITEMS.toLocaleString('en-US')} in the window; brute force ${Math.round(bruteRateFullWindow)}/s at ${WINDOW_ITEMS.toLocaleString('en-US')}`);

  const server = await startRedis();
  try {
    const redis: Redis = server.client();
    const before = sum(await infoField(redis, 'memory', 'used_memory'));
    const index = new RedisNearDuplicateIndex(redis, 'bench');
    const fill = await timeIt(async () => {
      for (let start = 0; start < WINDOW_ITEMS; start += 500) {
        await index.matchAndAdd(windowItems.slice(start, start + 500).map((item, offset) => ({ id: item.id, fingerprint: windowFingerprints[start + offset]!, at: at(item), feedId: item.feedId })));
      }
    });
    const after = sum(await infoField(redis, 'memory', 'used_memory'));
    const bytesPerItem = (after - before) / WINDOW_ITEMS;
    log(`redis fill: ${Math.round(WINDOW_ITEMS / (fill.ms / 1000))} insert+query/s in batches of 500; used_memory +${((after - before) / 1e6).toFixed(1)} MB = ${Math.round(bytesPerItem)} B/item`);

    const sequential = await timeIt(async () => {
      for (let i = 0; i < REDIS_MEASURED_OPERATIONS; i += 1) {
        await index.query(probeFingerprints[i]!, probeAt, probes[i]!.feedId);
        await index.add(heraldId(`${probes[i]!.id}-seq`), probeFingerprints[i]!, probeAt, probes[i]!.feedId);
      }
    });
    const sequentialRate = REDIS_MEASURED_OPERATIONS / (sequential.ms / 1000);
    // What the story engine does with a poll's new items: one matchAndAdd per batch, batches one
    // after another (the clustering lock); in rounds, each after a brute-force run at 10,000 items.
    const perRound = REDIS_MEASURED_OPERATIONS / PAIRED_ROUNDS;
    // The batches are built before they are timed, as the brute-force probes are: an item reaches
    // the story engine with its id and fingerprint made (hashing 20 ids took ~50 µs of a batch's ~1.9 ms).
    const batches = Array.from({ length: REDIS_MEASURED_OPERATIONS / POLL_BATCH }, (_, batch) =>
      probes.slice(batch * POLL_BATCH, (batch + 1) * POLL_BATCH).map((item, offset) => ({ id: heraldId(`${item.id}-batch`), fingerprint: probeFingerprints[batch * POLL_BATCH + offset]!, at: probeAt, feedId: item.feedId })),
    );
    const bruteRates: number[] = [];
    const batchedRates: number[] = [];
    const spent = { wall: 0, client: 0, redis: 0, scripts: 0, scriptCalls: 0 };
    for (let round = 0; round < PAIRED_ROUNDS; round += 1) {
      bruteRates.push(await bruteForceRate(BRUTE_FORCE_ITEMS, BRUTE_FORCE_PROBES));
      const from = (round * perRound) / POLL_BATCH;
      // Read outside the timed run, so the split below costs the measured rate nothing.
      const redisBefore = await redisTime(redis);
      const clientBefore = process.cpuUsage();
      const batched = await timeIt(async () => {
        for (let batch = from; batch < from + perRound / POLL_BATCH; batch += 1) await index.matchAndAdd(batches[batch]!);
      });
      const client = process.cpuUsage(clientBefore);
      const redisAfter = await redisTime(redis);
      batchedRates.push(perRound / (batched.ms / 1000));
      spent.wall += batched.ms;
      spent.client += (client.user + client.system) / 1000;
      spent.redis += redisAfter.cpuMs - redisBefore.cpuMs;
      spent.scripts += redisAfter.scriptMs - redisBefore.scriptMs;
      spent.scriptCalls += redisAfter.scriptCalls - redisBefore.scriptCalls;
    }
    const batchCount = REDIS_MEASURED_OPERATIONS / POLL_BATCH;
    const perBatch = (ms: number) => `${(ms / batchCount).toFixed(2)} ms`;
    log(`redis index batches of ${POLL_BATCH}, per batch: ${perBatch(spent.wall)} in all, client CPU ${perBatch(spent.client)}, Redis CPU ${perBatch(spent.redis)} (its scripts ${perBatch(spent.scripts)}, ${(spent.scriptCalls / batchCount).toFixed(2)} calls)`);
    const bruteRate = median(bruteRates);
    const batchedRate = median(batchedRates);
    const rounds = bruteRates.map((brute, round) => `${Math.round(batchedRates[round]!)}/${Math.round(brute)}`).join(', ');
    log(`redis index: ${Math.round(sequentialRate)} insert+query/s one at a time, ${Math.round(batchedRate)}/s in batches of ${POLL_BATCH} (a poll's new items); brute force ${Math.round(bruteRate)}/s at ${BRUTE_FORCE_ITEMS.toLocaleString('en-US')} (medians; rounds batches/brute: ${rounds}; ${machineLoad()})`);

    const labelled = loadLabelledSet();
    const exact = new ExactDuplicateSet();
    const fresh = labelled.map((entry) => entry.item).sort(byPublication).filter((item) => !exact.checkAndAdd(item));
    const engine = new RedisStoryEngine(redis, 'bench-engine');
    const engineRun = await timeIt(() => engine.addItems(fresh));
    const engineRate = fresh.length / (engineRun.ms / 1000);
    const engineStories: Assignment = new Map(engineRun.result.map((placement) => [placement.itemId, placement.storyId]));
    const engineScores = bcubedScores(engineStories, new Map(labelled.map((entry) => [entry.item.id, entry.story])));
    log(`RedisStoryEngine: ${Math.round(engineRate)} items/s over the labelled set in one batch; B-cubed ${format(engineScores)}`);

    const clusterItems = syntheticItems(10_000, 3);
    const clustering = await timeIt(() => groupIntoStories(clusterItems));
    log(`groupIntoStories: ${Math.round(clusterItems.length / (clustering.ms / 1000))} items/s over 10,000 synthetic items (${clustering.result.stories.length} stories)`);

    return [
      withRatio({ name: 'dedup in-memory index insert+query', value: inMemoryRate, baseline: bruteRate, unit: 'ops/s', note: `100,000 items in window; baseline: brute-force all-pairs at 10,000 items` }),
      withRatio({ name: 'dedup Redis index insert+query (sequential)', value: sequentialRate, baseline: bruteRate, unit: 'ops/s', note: '100,000 items in window; baseline: brute-force all-pairs at 10,000 items' }),
      withRatio({ name: `dedup Redis index insert+query (batches of ${POLL_BATCH})`, value: batchedRate, baseline: bruteRate, unit: 'ops/s', note: `100,000 items in window; one matchAndAdd per batch, batches in sequence; baseline: brute-force all-pairs at 10,000 items; medians of ${PAIRED_ROUNDS} rounds measured in turns` }),
      withRatio({ name: 'dedup Redis index vs brute force, same 100,000 window', value: batchedRate, baseline: bruteRateFullWindow, unit: 'ops/s', note: `Redis batches of ${POLL_BATCH} vs in-memory brute force at 100,000 items` }),
      { name: 'dedup Redis bytes per indexed item', value: Math.round(bytesPerItem), unit: 'B', note: 'INFO memory used_memory delta / 100,000 items with 16-hex-digit ids as Herald makes them' },
      { name: 'dedup RedisStoryEngine clustering B-cubed F1', value: engineScores.f1, unit: 'ratio', note: 'labelled set, one addItems batch (IDF from per-day Redis counts)' },
      { name: 'dedup RedisStoryEngine addItems', value: Math.round(engineRate), unit: 'items/s', note: 'labelled set, one batch' },
      { name: 'dedup fingerprinting', value: Math.round(WINDOW_ITEMS / (fingerprinting.ms / 1000)), unit: 'items/s' },
      { name: 'dedup groupIntoStories', value: Math.round(clusterItems.length / (clustering.ms / 1000)), unit: 'items/s', note: '10,000 synthetic items' },
    ];
  } finally {
    await server.stop();
  }
}

const benchmark: Benchmark = {
  title: 'Dedup: near-duplicates and story clustering',
  async run(log) {
    return [...quality(log), ...(await throughput(log))];
  },
};

export default benchmark;
