import { fnv1a32 } from '../dedup/hash.js';
import { bandHashes } from '../dedup/minhash.js';
import { fingerprintBuckets, type Fingerprint } from '../dedup/fingerprint.js';
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
 * The near-duplicate index in Redis, laid out for memory (~140 B per item), for few round
 * trips and for Redis Cluster.
 *
 * Time is cut into buckets a third of the window long (a lookup spans at most 7 of them).
 *
 * - Entries (near-duplicate-entries.ts, 47 B): id, feed, time and the signature's low 4 bits
 *   per value, fixed-size, in one hash per entry shard and bucket, 64 to a field (a field is
 *   rewritten whole on append, so it stays small); the hash expires a window and a bucket after
 *   its last write. An entry's handle is its shard, bucket and ordinal. A batch's entries all
 *   go to one shard (chosen by its first item's id), so appending them is one call.
 * - Band records: one hash per group of four LSH bands (band modulo 4); the field is the band
 *   number and the band hash's first 11 bits (2,048 fields a band), the value a run of 4-byte
 *   records in arrival order: the next 10 bits of the band hash (a lookup skips all but one in
 *   1,024 records that merely share the field), the entry's bucket modulo 8, its shard (2 bits)
 *   and its ordinal (17 bits). Records outlive their entries only briefly: appending to a field
 *   first drops the records at its head 4 to 6 buckets older than the batch (a stale record
 *   left behind, or one whose bucket number has come round again, only costs reading an entry
 *   that is gone or does not match). 16 bands × 4 B, plus ~18 B of hash fields at 100,000
 *   items in the window (less per item as the window fills).
 *
 * Slots: each band group is one key, tagged `{nd3-g<group>}`, so one script per group looks up
 * and appends a batch's records; the entry hashes of one shard share the tag `{nd3-e<shard>}`
 * over all buckets, so one script reads a batch's candidates from a shard whatever their
 * buckets. 4 group slots and 4 shard slots: every call stays in one slot, and the index (a small
 * part of Herald's memory beside the items) spreads over the masters.
 *
 * Round trips: matchAndAdd takes three for a batch (of up to 400 items; a larger one goes in
 * slices, one after another): append the entries (one call); one
 * call per band group looks up the batch's fields and appends its records (they need the
 * ordinals; lookups come first, so a batch never finds itself); read the candidates' entries
 * (one call per shard). Items of the batch are matched against its earlier items in memory.
 *
 * Layouts before this one used the tags `{nd-b…}`/`{nd-e…}` and `{nd2-b…}`/`{nd2-e…}`: this
 * one never reads those keys, so after an upgrade they simply expire within a window and a bucket (an item indexed
 * just before the upgrade is then not found as an original: a missed match at most).
 */

/** Entry shards (2 bits of a record). */
const ENTRY_SHARDS = 4;
/** Entries per hash field. */
const ENTRIES_PER_CHUNK = 64;
/** Entries an entry hash takes: the 17 bits of a record's ordinal (524,288 items a bucket over the 4 shards). */
const MAX_ENTRIES = 1 << 17;
/** The band hash's first bits name the field. */
const FIELD_BITS = 11;
/** The band hash's next bits, kept in the record. */
const TAIL_BITS = 10;
/** Bands share a key four by four (band modulo 4): fewer, larger script calls per batch. */
const BAND_GROUPS = 4;
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

/** The field of a band hash in its group's hash: the band number, then the hash's first bits. */
function fieldOf(band: number, hash: number): number {
  return (band << FIELD_BITS) | (hash >>> (32 - FIELD_BITS));
}

function tailOf(hash: number): number {
  return (hash >>> (32 - FIELD_BITS - TAIL_BITS)) & ((1 << TAIL_BITS) - 1);
}

/** Bucket modulo 8, also for times before 1970. */
function cycleOf(bucket: number): number {
  return ((bucket % BUCKET_CYCLE) + BUCKET_CYCLE) % BUCKET_CYCLE;
}

function recordOf(hash: number, bucket: number, shard: number, ordinal: number): number {
  return ((tailOf(hash) << 22) | (cycleOf(bucket) << 19) | (shard << 17) | ordinal) >>> 0;
}

/** Fields as the band script takes them: 2 bytes each. */
function packFields(fields: Iterable<number>): Buffer {
  const list = [...fields];
  const bytes = Buffer.alloc(2 * list.length);
  list.forEach((field, index) => bytes.writeUInt16BE(field, 2 * index));
  return bytes;
}

/** Per field the number of records to append (uint16 BE) and the records, as the band script takes them. */
function packAppends(appends: readonly number[][]): { counts: Buffer; records: Buffer } {
  if (appends.every((records) => records.length === 0)) return { counts: Buffer.alloc(0), records: Buffer.alloc(0) };
  const counts = Buffer.alloc(2 * appends.length);
  const records = Buffer.alloc(4 * appends.reduce((total, list) => total + list.length, 0));
  let at = 0;
  appends.forEach((list, position) => {
    counts.writeUInt16BE(list.length, 2 * position);
    for (const word of list) at = records.writeUInt32BE(word, at);
  });
  return { counts, records };
}

function shardOf(id: string): number {
  return fnv1a32(id) % ENTRY_SHARDS;
}

/**
 * Items a band group's script takes at once: its HSET gets 2 values per field, 4 fields an item,
 * and Lua unpacks at most ~8,000 values.
 */
const ITEMS_PER_CALL = 400;

function slices<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += ITEMS_PER_CALL) result.push(items.slice(start, start + ITEMS_PER_CALL));
  return result;
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

/** One band group's share of a script call: its fields (field → position), who wants each position's records with which tail, and the records to append to each. */
interface GroupWork {
  fields: Map<number, number>;
  wanted: Array<Array<{ index: number; tail: number }>>;
  appends: number[][];
}

/** Adds the handles of the records (of one field) whose tail matches and whose bucket lies in [first, last]. */
function collectHandles(records: Buffer, tail: number, first: number, last: number, found: Map<string, Set<number>>): void {
  for (let at = 0; at + RECORD_BYTES <= records.length; at += RECORD_BYTES) {
    const word = records.readUInt32BE(at);
    if (word >>> 22 !== tail) continue;
    const bucket = first + cycleOf(((word >>> 19) & 7) - first);
    if (bucket > last) continue;
    const place = `${(word >>> 17) & 3}:${bucket}`;
    const ordinals = found.get(place) ?? new Set<number>();
    ordinals.add(word & (MAX_ENTRIES - 1));
    found.set(place, ordinals);
  }
}

/**
 * The near-duplicate index over Redis (layout above). `matchAndAdd` serves a poll's batch:
 * items are matched against the indexed items and, in memory, against the batch's earlier
 * items, then added, in three round trips. `query` and `add` are the same for one item.
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
    const indexed: IndexedFingerprint[][] = [];
    // A later slice also finds the earlier ones in Redis; ranking counts each candidate once.
    for (const slice of slices(items)) indexed.push(...(await this.readEntries(await this.findAndAdd(slice, await this.appendEntries(slice)))));
    return this.rank(items, indexed, true);
  }

  /** Adds items to the index: their entries first, then the band records that point at them. */
  async addAll(items: IndexItem[]): Promise<void> {
    for (const slice of slices(items)) await this.findAndAdd([], await this.appendEntries(slice));
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
   * One script per band group: looks up the handles of indexed entries sharing a band with each of
   * `lookups` within its window, then appends the band records of `placed` items.
   */
  private async findAndAdd(lookups: IndexItem[], placed: Placed[]): Promise<Handles> {
    const { windowMs, bands, rows } = this.options;
    const handles: Handles = lookups.map(() => new Map());
    const ranges = lookups.map(({ at }) => ({ first: this.bucketOf(at - windowMs), last: this.bucketOf(at + windowMs) }));
    const perGroup = new Map<number, GroupWork>();
    /** The position of a band hash's field in its group's script call. */
    const positionOf = (band: number, hash: number): { work: GroupWork; position: number } => {
      const work: GroupWork = perGroup.get(band % BAND_GROUPS) ?? { fields: new Map(), wanted: [], appends: [] };
      perGroup.set(band % BAND_GROUPS, work);
      const field = fieldOf(band, hash);
      if (!work.fields.has(field)) {
        work.fields.set(field, work.fields.size);
        work.wanted.push([]);
        work.appends.push([]);
      }
      return { work, position: work.fields.get(field)! };
    };
    lookups.forEach((item, index) => {
      for (const { band, hash } of bandsOf(item.fingerprint, bands, rows)) {
        const { work, position } = positionOf(band, hash);
        work.wanted[position]!.push({ index, tail: tailOf(hash) });
      }
    });
    for (const { item, shard, bucket, ordinal } of placed) {
      if (ordinal < 0) continue;
      for (const { band, hash } of bandsOf(item.fingerprint, bands, rows)) {
        const { work, position } = positionOf(band, hash);
        work.appends[position]!.push(recordOf(hash, bucket, shard, ordinal));
      }
    }
    const ttl = this.options.windowMs + this.bucketMs;
    const reference = this.trimReference(placed);
    await Promise.all(
      [...perGroup].map(async ([group, { fields, wanted, appends }]) => {
        const { counts, records } = packAppends(appends);
        const lookUp = lookups.length > 0 ? '1' : '0';
        const replies = await this.redis.heraldNdFindAndAddRecordsBuffer(this.keys.nearDuplicateBands(group), ttl, reference, packFields(fields.keys()), counts, records, lookUp);
        wanted.forEach((wanting, position) => {
          const found = replies[position];
          if (!found) return;
          for (const { index, tail } of wanting) collectHandles(found, tail, ranges[index]!.first, ranges[index]!.last, handles[index]!);
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

  /** The entries behind each item's handles: one script per entry shard (its buckets share a slot), all at once. */
  private async readEntries(handles: Handles): Promise<IndexedFingerprint[][]> {
    const wanted = new Map<number, Map<number, Set<number>>>();
    for (const perItem of handles) {
      for (const [place, ordinals] of perItem) {
        const [shard, bucket] = place.split(':').map(Number) as [number, number];
        const buckets = wanted.get(shard) ?? new Map<number, Set<number>>();
        wanted.set(shard, buckets);
        buckets.set(bucket, new Set([...(buckets.get(bucket) ?? []), ...ordinals]));
      }
    }
    const entries = new Map<string, IndexedFingerprint>();
    await Promise.all(
      [...wanted].map(async ([shard, buckets]) => {
        const lists = [...buckets].map(([bucket, ordinals]) => ({ bucket, ordinals: [...ordinals] }));
        const keys = lists.map(({ bucket }) => this.keys.nearDuplicateEntries(shard, bucket));
        const args = lists.flatMap(({ ordinals }, index) => ordinals.map((ordinal) => `${index + 1}:${ordinal}`));
        const replies = await this.redis.heraldNdReadEntriesBuffer(keys.length, ...keys, this.entrySize, ENTRIES_PER_CHUNK, ...args);
        let reply = 0;
        for (const { bucket, ordinals } of lists) {
          for (const ordinal of ordinals) {
            const bytes = replies[reply++]!;
            if (bytes.length < this.entrySize) continue;
            const { id, feedKey, at, fingerprint } = decodeEntry(bytes, bucket * this.bucketMs, this.options);
            entries.set(`${shard}:${bucket}:${ordinal}`, { id, feedId: feedKey, at, fingerprint });
          }
        }
      }),
    );
    return handles.map((perItem) => [...perItem].flatMap(([place, ordinals]) => [...ordinals].flatMap((ordinal) => entries.get(`${place}:${ordinal}`) ?? [])));
  }

  /** Near-duplicates of each item among its indexed candidates and, with `withinBatch`, the batch's earlier items. */
  private rank(items: IndexItem[], indexed: IndexedFingerprint[][], withinBatch: boolean): string[][] {
    const { windowMs, signatureBits } = this.options;
    const earlier = new Map<string, IndexedFingerprint[]>();
    return items.map((item, index) => {
      const feedKey = feedKeyOf(item.feedId);
      const stored = storedFingerprint(item.fingerprint, signatureBits);
      const itemBands = fingerprintBuckets(item.fingerprint, this.options);
      const found = [...indexed[index]!, ...itemBands.flatMap((band) => earlier.get(band) ?? [])].filter((candidate) => Math.abs(candidate.at - item.at) <= windowMs);
      if (withinBatch) {
        const entry: IndexedFingerprint = { id: item.id, feedId: feedKey, at: item.at, fingerprint: stored };
        for (const band of itemBands) earlier.set(band, [...(earlier.get(band) ?? []), entry]);
      }
      return rankNearDuplicates(stored, feedKey, found, this.options);
    });
  }
}
