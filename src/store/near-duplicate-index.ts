import { fnv1a32 } from '../dedup/hash.js';
import { bandHashes } from '../dedup/minhash.js';
import type { Fingerprint } from '../dedup/fingerprint.js';
import {
  DEFAULT_INDEX_OPTIONS,
  rankNearDuplicates,
  type IndexedFingerprint,
  type NearDuplicateIndex,
  type NearDuplicateIndexOptions,
} from '../dedup/near-duplicate-index.js';
import type { RedisClient } from './client.js';
import { checkSignatureBits, decodeEntry, encodeEntry, entrySize, feedKeyOf, storedFingerprint } from './near-duplicate-entries.js';
import { withNearDuplicateScripts } from './near-duplicate-scripts.js';
import { createStoryKeys, type StoryKeys } from './story-keys.js';

/**
 * The near-duplicate index in Redis, laid out for memory (~130 B per item), for few round trips
 * and for Redis Cluster.
 *
 * Time is cut into buckets a third of the window long; every key belongs to one bucket and
 * expires a window and a bucket after its last write, so nothing is trimmed member by member.
 *
 * - Entries (near-duplicate-entries.ts, 47 B): id, feed, time and the signature's low 4 bits
 *   per value, fixed-size, in one hash per entry shard and bucket, 256 to a field; an entry's
 *   handle is its shard and ordinal (16 bits: up to 65,536 entries per shard and bucket).
 * - Band records: per LSH band and bucket one hash; the field is the band hash's first 9 bits
 *   (512 fields), the value a run of 4-byte records: the next 12 bits of the band hash (so a
 *   lookup skips all but one in 4,096 records that merely share the field), the entry shard
 *   (4 bits) and the ordinal (16 bits). 16 bands × 4 B, plus ~15 B of hash fields at 30,000
 *   items a bucket (less per item as a bucket fills).
 *
 * Slots: all buckets of one band share the hash tag `{nd2-b<band>}`, so one script adds a
 * batch's records to a band whatever buckets they fall in; entries shard over `{nd2-e<shard>}`
 * by item id, and an entry hash is only ever touched alone. An item's 16 band records land in
 * 16 slots and its entry in a 17th: the index spreads over the masters, and no call crosses
 * slots. Lookups are plain HMGETs (one per band and bucket) whose records the client scans.
 *
 * Round trips: matchAndAdd takes two for a whole batch: its lookups go out with the appending
 * of its entries, then reading the candidates' entries goes out with the band records (which
 * need the ordinals the append returned).
 *
 * The layout before this one used the tags `{nd-b…}` and `{nd-e…}`: this one never reads
 * those keys, so after an upgrade they simply expire within a window and a bucket (an item
 * indexed just before the upgrade is then not found as an original: a missed match at most).
 */

/** Entry shards (4 bits of a record). */
const ENTRY_SHARDS = 16;
/** Entries per hash field: a field's value is rewritten on append, so it stays small (12 KB). */
const ENTRIES_PER_CHUNK = 256;
/** Entries an entry hash takes: the 16 bits of a record's ordinal. */
const MAX_ENTRIES = 0x10000;
/** The band hash's first bits name the field. */
const FIELD_BITS = 11;
/** The band hash's next bits, kept in the record. */
const TAIL_BITS = 9;
const RECORD_BYTES = 4;
/** A record keeps its entry's bucket modulo 8: a lookup spans at most 7 buckets, so that names one. */
const BUCKET_CYCLE = 8;

/** One item to look up or add. */
export interface IndexItem {
  id: string;
  fingerprint: Fingerprint;
  at: number;
  feedId: string;
}

/** An item's band hashes as (band, 32-bit hash); a short text has one, in the band after the last. */
function bandsOf(fingerprint: Fingerprint, bands: number, rows: number): Array<{ band: number; hash: number }> {
  if (fingerprint.kind === 'short-text') return [{ band: bands, hash: fnv1a32(`t:${fingerprint.digest}`) }];
  return bandHashes(fingerprint.signature, bands, rows).map((hash, band) => ({ band, hash }));
}

function fieldOf(hash: number): number {
  return hash >>> (32 - FIELD_BITS);
}

function tailOf(hash: number): number {
  return (hash >>> (32 - FIELD_BITS - TAIL_BITS)) & ((1 << TAIL_BITS) - 1);
}

/** Bucket modulo 8, also for times before 1970. */
function cycleOf(bucket: number): number {
  return ((bucket % BUCKET_CYCLE) + BUCKET_CYCLE) % BUCKET_CYCLE;
}

function recordOf(hash: number, bucket: number, shard: number, ordinal: number): number {
  return ((tailOf(hash) << 23) | (cycleOf(bucket) << 20) | (shard << 16) | ordinal) >>> 0;
}

/** Fields as the band script takes them: 2 bytes each. */
function packFields(fields: Iterable<number>): Buffer {
  const list = [...fields];
  const bytes = Buffer.alloc(2 * list.length);
  list.forEach((field, index) => bytes.writeUInt16BE(field, 2 * index));
  return bytes;
}

/** Records to append as the band script takes them: (field, record) as 6-byte units. */
function packUnits(fieldsAndRecords: readonly number[]): Buffer {
  const bytes = Buffer.alloc(3 * fieldsAndRecords.length);
  for (let at = 0; at < fieldsAndRecords.length; at += 2) {
    bytes.writeUInt16BE(fieldsAndRecords[at]!, 3 * at);
    bytes.writeUInt32BE(fieldsAndRecords[at + 1]!, 3 * at + 2);
  }
  return bytes;
}

function shardOf(id: string): number {
  return fnv1a32(id) % ENTRY_SHARDS;
}

/** Groups values by a string key, keeping first-seen order. */
function groupBy<T>(values: Iterable<T>, keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

/** Where an item's entry went: its shard, bucket and ordinal (-1: left out, the hash was full). */
interface Placed {
  item: IndexItem;
  shard: number;
  bucket: number;
  ordinal: number;
}

/** Handles a lookup found per item: "shard:bucket" → ordinals. */
type Handles = Array<Map<string, Set<number>>>;

/** One band's share of a script call: fields looked up (field → position), who wants each position's records with which tail, and records to append (field, record, field, record…). */
interface BandWork {
  fields: Map<number, number>;
  wanted: Array<Array<{ index: number; tail: number }>>;
  appends: number[];
}

/** Adds the handles of the records (of one field) whose tail matches and whose bucket lies in [first, last]. */
function collectHandles(records: Buffer, tail: number, first: number, last: number, found: Map<string, Set<number>>): void {
  for (let at = 0; at + RECORD_BYTES <= records.length; at += RECORD_BYTES) {
    const word = records.readUInt32BE(at);
    if (word >>> 23 !== tail) continue;
    const bucket = first + cycleOf(((word >>> 20) & 7) - first);
    if (bucket > last) continue;
    const place = `${(word >>> 16) & 0xf}:${bucket}`;
    const ordinals = found.get(place) ?? new Set<number>();
    ordinals.add(word & 0xffff);
    found.set(place, ordinals);
  }
}

/**
 * The near-duplicate index over Redis (layout above). `matchAndAdd` serves a poll's batch:
 * items are matched against the indexed items and, in memory, against the batch's earlier
 * items, then added, in two round trips. `query` and `add` are the same for one item.
 */
export class RedisNearDuplicateIndex implements NearDuplicateIndex {
  readonly options: NearDuplicateIndexOptions;
  private readonly keys: StoryKeys;
  private readonly redis: RedisClient;
  private readonly bucketMs: number;
  private readonly entrySize: number;

  constructor(redis: RedisClient, prefix: string, options: Partial<NearDuplicateIndexOptions> = {}) {
    this.redis = withNearDuplicateScripts(redis);
    this.options = { ...DEFAULT_INDEX_OPTIONS, ...options };
    checkSignatureBits(this.options.signatureBits);
    this.keys = createStoryKeys(prefix);
    this.bucketMs = Math.max(1, Math.ceil(this.options.windowMs / 3));
    // An entry keeps its time as 32-bit ms into its bucket.
    if (this.bucketMs > 0xffffffff) throw new RangeError(`a near-duplicate window of ${this.options.windowMs} ms is too long (at most 149 days)`);
    this.entrySize = entrySize(this.options);
  }

  async add(id: string, fingerprint: Fingerprint, at: number, feedId: string): Promise<void> {
    await this.addAll([{ id, fingerprint, at, feedId }]);
  }

  async query(fingerprint: Fingerprint, at: number, feedId: string): Promise<string[]> {
    const items = [{ id: '', fingerprint, at, feedId }];
    return this.rank(items, await this.readEntries(await this.findAndAdd(items, [])), false)[0]!;
  }

  /**
   * For each item in order, the ids of its near-duplicates (most similar first) among the
   * indexed items and the batch's earlier items; then adds the batch. Three round trips.
   */
  async matchAndAdd(items: IndexItem[]): Promise<string[][]> {
    if (items.length === 0) return [];
    const handles = await this.findAndAdd(items, await this.appendEntries(items));
    return this.rank(items, await this.readEntries(handles), true);
  }

  /** Adds items to the index: their entries first, then the band records that point at them. */
  async addAll(items: IndexItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.findAndAdd([], await this.appendEntries(items));
  }

  private bucketOf(at: number): number {
    return Math.floor(at / this.bucketMs);
  }

  /**
   * Appends the items' entries: the batch's to one entry shard (chosen by its first item's id,
   * so batches spread over the shards), one script per time bucket.
   */
  private async appendEntries(items: IndexItem[]): Promise<Placed[]> {
    const shard = shardOf(items[0]!.id);
    const placed = items.map((item) => ({ item, shard, bucket: this.bucketOf(item.at), ordinal: -1 }));
    await Promise.all(
      [...groupBy(placed, ({ bucket }) => String(bucket))].map(async ([, group]) => {
        const { bucket } = group[0]!;
        const entries = group.map(({ item }) => encodeEntry({ id: item.id, feedKey: feedKeyOf(item.feedId), at: item.at, fingerprint: item.fingerprint }, bucket * this.bucketMs, this.options));
        const ttl = this.options.windowMs + this.bucketMs;
        const ordinals = await this.redis.heraldNdAppendEntries(this.keys.nearDuplicateEntries(shard, bucket), ttl, this.entrySize, ENTRIES_PER_CHUNK, MAX_ENTRIES, ...entries);
        group.forEach((entry, index) => (entry.ordinal = Number(ordinals[index])));
      }),
    );
    return placed;
  }

  /**
   * One script per band: looks up the handles of indexed entries sharing a band with each of
   * `lookups` within its window, then appends the band records of `placed` items.
   */
  private async findAndAdd(lookups: IndexItem[], placed: Placed[]): Promise<Handles> {
    const { windowMs, bands, rows } = this.options;
    const handles: Handles = lookups.map(() => new Map());
    const ranges = lookups.map(({ at }) => ({ first: this.bucketOf(at - windowMs), last: this.bucketOf(at + windowMs) }));
    const perBand = new Map<number, BandWork>();
    const work = (band: number): BandWork => {
      const found = perBand.get(band) ?? { fields: new Map(), wanted: [], appends: [] };
      perBand.set(band, found);
      return found;
    };
    lookups.forEach((item, index) => {
      for (const { band, hash } of bandsOf(item.fingerprint, bands, rows)) {
        const { fields, wanted } = work(band);
        const field = fieldOf(hash);
        if (!fields.has(field)) {
          fields.set(field, fields.size);
          wanted.push([]);
        }
        wanted[fields.get(field)!]!.push({ index, tail: tailOf(hash) });
      }
    });
    for (const { item, shard, bucket, ordinal } of placed) {
      if (ordinal < 0) continue;
      for (const { band, hash } of bandsOf(item.fingerprint, bands, rows)) work(band).appends.push(fieldOf(hash), recordOf(hash, bucket, shard, ordinal));
    }
    const ttl = this.options.windowMs + this.bucketMs;
    const reference = this.trimReference(placed);
    await Promise.all(
      [...perBand].map(async ([band, { fields, wanted, appends }]) => {
        const replies = await this.redis.heraldNdFindAndAddRecordsBuffer(this.keys.nearDuplicateBand(band), ttl, reference, packFields(fields.keys()), packUnits(appends));
        wanted.forEach((wanting, position) => {
          const records = replies[position];
          if (!records) return;
          for (const { index, tail } of wanting) collectHandles(records, tail, ranges[index]!.first, ranges[index]!.last, handles[index]!);
        });
      }),
    );
    return handles;
  }

  /**
   * The bucket (modulo 8) that records are trimmed against: the newest of the items added,
   * leaving out items dated more than a bucket ahead of the clock (a feed's wrong date must not
   * make every record look old); -1 (no trimming) when there is none.
   */
  private trimReference(placed: Placed[]): number {
    const latest = this.bucketOf(Date.now()) + 1;
    const buckets = placed.map(({ bucket }) => bucket).filter((bucket) => bucket <= latest);
    return buckets.length === 0 ? -1 : cycleOf(Math.max(...buckets));
  }

  /** The entries behind each item's handles: one script per entry hash, all at once. */
  private async readEntries(handles: Handles): Promise<IndexedFingerprint[][]> {
    const wanted = new Map<string, Set<number>>();
    for (const perItem of handles) for (const [place, ordinals] of perItem) wanted.set(place, new Set([...(wanted.get(place) ?? []), ...ordinals]));
    const entries = new Map<string, IndexedFingerprint>();
    await Promise.all(
      [...wanted].map(async ([place, ordinals]) => {
        const [shard, bucket] = place.split(':').map(Number) as [number, number];
        const list = [...ordinals];
        const replies = await this.redis.heraldNdReadEntriesBuffer(this.keys.nearDuplicateEntries(shard, bucket), this.entrySize, ENTRIES_PER_CHUNK, ...list);
        replies.forEach((bytes, index) => {
          if (bytes.length < this.entrySize) return;
          const { id, feedKey, at, fingerprint } = decodeEntry(bytes, bucket * this.bucketMs, this.options);
          entries.set(`${place}:${list[index]}`, { id, feedId: feedKey, at, fingerprint });
        });
      }),
    );
    return handles.map((perItem) => [...perItem].flatMap(([place, ordinals]) => [...ordinals].flatMap((ordinal) => entries.get(`${place}:${ordinal}`) ?? [])));
  }

  /** Near-duplicates of each item among its indexed candidates and, with `withinBatch`, the batch's earlier items. */
  private rank(items: IndexItem[], indexed: IndexedFingerprint[][], withinBatch: boolean): string[][] {
    const { windowMs, bands, rows, signatureBits } = this.options;
    const earlier = new Map<string, IndexedFingerprint[]>();
    return items.map((item, index) => {
      const feedKey = feedKeyOf(item.feedId);
      const stored = storedFingerprint(item.fingerprint, signatureBits);
      const itemBands = bandsOf(item.fingerprint, bands, rows).map(({ band, hash }) => `${band}:${hash}`);
      const found = [...indexed[index]!, ...itemBands.flatMap((band) => earlier.get(band) ?? [])].filter((candidate) => Math.abs(candidate.at - item.at) <= windowMs);
      if (withinBatch) {
        const entry: IndexedFingerprint = { id: item.id, feedId: feedKey, at: item.at, fingerprint: stored };
        for (const band of itemBands) earlier.set(band, [...(earlier.get(band) ?? []), entry]);
      }
      return rankNearDuplicates(stored, feedKey, found, this.options);
    });
  }
}
