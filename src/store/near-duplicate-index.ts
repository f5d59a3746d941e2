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
import { withNearDuplicateScripts } from './near-duplicate-scripts.js';
import { createStoryKeys, type StoryKeys } from './story-keys.js';

/**
 * The near-duplicate index in Redis, laid out for memory and for Redis Cluster.
 *
 * Time is cut into buckets a third of the window long; every key belongs to one bucket and
 * expires a window and a bucket after its last write, so nothing is trimmed member by member.
 *
 * - Entries: what is needed to check a candidate (id, feed, time, signature), appended to one
 *   string per entry shard and bucket; an entry's handle is its shard and byte offset.
 * - Band records: per LSH band and bucket one hash; the field is the band hash's first 10 bits,
 *   the value a run of 5-byte records: 12 more bits of the band hash (so a query skips almost
 *   every record that merely shares the field) and the entry's handle (4 + 20… see RECORD).
 *
 * Slots: all buckets of one band share the hash tag `{nd-b<band>}`, so a query reads one band's
 * time range in one script; entries shard over `{nd-e<shard>}`. An item's 32 band records land
 * in 32 slots and its entry in a 33rd: the index spreads over the masters evenly, and a batch
 * of items costs one script per band plus one per entry shard, never a cross-slot call.
 */

/** Entry shards (4 bits of a handle). */
const ENTRY_SHARDS = 16;
/** Largest entry offset a handle holds (24 bits): 16 MB of entries per shard and bucket. */
const MAX_OFFSET = 0xffffff;
/** The band hash's first bits name the field; with 1,024 fields a bucket of 30,000 items holds ~30 records per field. */
const FIELD_BITS = 10;
/**
 * Signatures are stored as their low 16 bits: two different 32-bit minima agree there once in
 * 65,536, which moves a similarity estimate by less than 1e-4 on average — far below MinHash's own
 * error — at half the size.
 */
const SIGNATURE_MASK = 0xffff;

const MINHASH = 1;
const SHORT_TEXT = 2;
const HEX_ID = /^[0-9a-f]{16}$/;

/** An indexed item as stored: its id, a 32-bit hash of its feed id, its time and (low 16 bits of its) fingerprint. */
export interface StoredEntry {
  id: string;
  feedKey: string;
  at: number;
  fingerprint: Fingerprint;
}

/** What the index compares a feed by: a 32-bit hash, so an entry need not carry the feed id. */
export function feedKeyOf(feedId: string): string {
  return fnv1a32(feedId).toString(16);
}

/** The fingerprint as stored: a signature cut to the low 16 bits of each value. */
export function storedFingerprint(fingerprint: Fingerprint): Fingerprint {
  return fingerprint.kind === 'minhash' ? { kind: 'minhash', signature: fingerprint.signature.map((value) => value & SIGNATURE_MASK) } : fingerprint;
}

/**
 * Total length (uint16 LE), kind, time (ms, uint48 LE), feed key (uint32 LE), payload length
 * (uint16 LE), payload (signature as uint16 LE values, or the digest as UTF-8), then the id:
 * a 16-hex-digit id (every id Herald makes) as 8 bytes after a 1, any other after a 0 as UTF-8.
 */
export function encodeEntry({ id, feedKey, at, fingerprint }: StoredEntry): Buffer {
  const payload = fingerprint.kind === 'short-text' ? Buffer.from(fingerprint.digest, 'utf8') : Buffer.from(new Uint16Array(fingerprint.signature.map((value) => value & SIGNATURE_MASK)).buffer);
  const idBytes = HEX_ID.test(id) ? Buffer.concat([Buffer.of(1), Buffer.from(id, 'hex')]) : Buffer.concat([Buffer.of(0), Buffer.from(id, 'utf8')]);
  const header = Buffer.alloc(15);
  header.writeUInt16LE(15 + payload.length + idBytes.length, 0);
  header[2] = fingerprint.kind === 'short-text' ? SHORT_TEXT : MINHASH;
  header.writeUIntLE(at, 3, 6);
  header.writeUInt32LE(Number.parseInt(feedKey, 16), 9);
  header.writeUInt16LE(payload.length, 13);
  if (header.readUInt16LE(0) !== 15 + payload.length + idBytes.length) throw new RangeError(`near-duplicate entry of ${id} is too long to store`);
  return Buffer.concat([header, payload, idBytes]);
}

/** The entry encodeEntry wrote. */
export function decodeEntry(bytes: Buffer): StoredEntry {
  const payloadLength = bytes.readUInt16LE(13);
  const payload = bytes.subarray(15, 15 + payloadLength);
  const idBytes = bytes.subarray(16 + payloadLength);
  const id = bytes[15 + payloadLength] === 1 ? idBytes.toString('hex') : idBytes.toString('utf8');
  const common = { id, feedKey: bytes.readUInt32LE(9).toString(16), at: bytes.readUIntLE(3, 6) };
  if (bytes[2] === SHORT_TEXT) return { ...common, fingerprint: { kind: 'short-text', digest: payload.toString('utf8') } };
  const signature = new Uint32Array(payloadLength / 2);
  for (let index = 0; index < signature.length; index += 1) signature[index] = payload.readUInt16LE(index * 2);
  return { ...common, fingerprint: { kind: 'minhash', signature } };
}

/** One item to look up or add. */
export interface IndexItem {
  id: string;
  fingerprint: Fingerprint;
  at: number;
  feedId: string;
}

/** An item's band hashes as (band, 32-bit hash); a short text has one, in the band after the last. */
function bandsOf(fingerprint: Fingerprint, bands: number): Array<{ band: number; hash: number }> {
  if (fingerprint.kind === 'short-text') return [{ band: bands, hash: fnv1a32(`t:${fingerprint.digest}`) }];
  return bandHashes(fingerprint.signature, bands).map((hash, band) => ({ band, hash }));
}

function fieldOf(hash: number): string {
  return String(hash >>> (32 - FIELD_BITS));
}

/** The 12 tail bits as the record's first byte and the high nibble of its second. */
function tailBytes(hash: number): [number, number] {
  return [(hash >>> 14) & 0xff, ((hash >>> 10) & 0xf) << 4];
}

function record(hash: number, shard: number, offset: number): Buffer {
  const [first, second] = tailBytes(hash);
  return Buffer.of(first, second | shard, (offset >>> 16) & 0xff, (offset >>> 8) & 0xff, offset & 0xff);
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

/**
 * The near-duplicate index over Redis (layout above). `matchAndAdd` serves a poll's batch:
 * one round trip finds every item's candidates among indexed items, one reads their entries,
 * items of the batch are matched against the earlier ones of the same batch in memory, and two
 * more add the batch. `query` and `add` are the same for one item.
 */
export class RedisNearDuplicateIndex implements NearDuplicateIndex {
  readonly options: NearDuplicateIndexOptions;
  private readonly keys: StoryKeys;
  private readonly redis: RedisClient;
  private readonly bucketMs: number;

  constructor(redis: RedisClient, prefix: string, options: Partial<NearDuplicateIndexOptions> = {}) {
    this.redis = withNearDuplicateScripts(redis);
    this.options = { ...DEFAULT_INDEX_OPTIONS, ...options };
    this.keys = createStoryKeys(prefix);
    this.bucketMs = Math.max(1, Math.ceil(this.options.windowMs / 3));
  }

  async add(id: string, fingerprint: Fingerprint, at: number, feedId: string): Promise<void> {
    await this.addAll([{ id, fingerprint, at, feedId }]);
  }

  async query(fingerprint: Fingerprint, at: number, feedId: string): Promise<string[]> {
    return (await this.matchAll([{ id: '', fingerprint, at, feedId }], false))[0]!;
  }

  /**
   * For each item in order, the ids of its near-duplicates (most similar first) among the
   * indexed items and the batch's earlier items; then adds the batch.
   */
  async matchAndAdd(items: IndexItem[]): Promise<string[][]> {
    if (items.length === 0) return [];
    const matches = await this.matchAll(items, true);
    await this.addAll(items);
    return matches;
  }

  /** Adds items to the index: their entries first, then the band records that point at them. */
  async addAll(items: IndexItem[]): Promise<void> {
    if (items.length === 0) return;
    const ttl = this.options.windowMs + this.bucketMs;
    const placed = items.map((item) => ({ item, shard: shardOf(item.id), bucket: this.bucketOf(item.at), offset: -1 }));
    await Promise.all(
      [...groupBy(placed, ({ shard, bucket }) => this.keys.nearDuplicateEntries(shard, bucket))].map(async ([key, group]) => {
        const offsets = await this.redis.heraldNdAppendEntries(key, ttl, MAX_OFFSET, ...group.map(({ item }) => encodeEntry({ id: item.id, feedKey: feedKeyOf(item.feedId), at: item.at, fingerprint: item.fingerprint })));
        group.forEach((entry, index) => (entry.offset = Number(offsets[index])));
      }),
    );
    const records = placed
      .filter(({ offset }) => offset >= 0)
      .flatMap(({ item, shard, bucket, offset }) => bandsOf(item.fingerprint, this.options.bands).map(({ band, hash }) => ({ band, bucket, hash, shard, offset })));
    await Promise.all(
      [...groupBy(records, ({ band }) => String(band))].map(([band, group]) => {
        const buckets = [...new Set(group.map(({ bucket }) => bucket))];
        const args = group.flatMap(({ bucket, hash, shard, offset }) => [buckets.indexOf(bucket) + 1, fieldOf(hash), record(hash, shard, offset)]);
        return this.redis.heraldNdAddRecords(buckets.length, ...buckets.map((bucket) => this.keys.nearDuplicateBand(Number(band), bucket)), ttl, ...args);
      }),
    );
  }

  private bucketOf(at: number): number {
    return Math.floor(at / this.bucketMs);
  }

  /** Near-duplicates of each item among indexed items and, with `withinBatch`, the batch's earlier items. */
  private async matchAll(items: IndexItem[], withinBatch: boolean): Promise<string[][]> {
    const { windowMs, bands } = this.options;
    const indexed = await this.candidates(items);
    const earlier = new Map<string, IndexedFingerprint[]>();
    return items.map((item, index) => {
      const feedKey = feedKeyOf(item.feedId);
      const stored = storedFingerprint(item.fingerprint);
      const itemBands = bandsOf(item.fingerprint, bands).map(({ band, hash }) => `${band}:${hash}`);
      const found = [...indexed[index]!, ...itemBands.flatMap((band) => earlier.get(band) ?? [])].filter((candidate) => Math.abs(candidate.at - item.at) <= windowMs);
      if (withinBatch) {
        const entry: IndexedFingerprint = { id: item.id, feedId: feedKey, at: item.at, fingerprint: stored };
        for (const band of itemBands) earlier.set(band, [...(earlier.get(band) ?? []), entry]);
      }
      return rankNearDuplicates(stored, feedKey, found, this.options);
    });
  }

  /** Indexed entries sharing a band with each item, within its window: two round trips for the batch. */
  private async candidates(items: IndexItem[]): Promise<IndexedFingerprint[][]> {
    const { windowMs, bands } = this.options;
    const ranges = items.map(({ at }) => ({ first: this.bucketOf(at - windowMs), last: this.bucketOf(at + windowMs) }));
    const first = Math.min(...ranges.map((range) => range.first));
    const last = Math.max(...ranges.map((range) => range.last));
    // Handles found per item, as "shard:bucket" → offsets.
    const handles = items.map(() => new Map<string, Set<number>>());
    const lookups = items.flatMap((item, index) => bandsOf(item.fingerprint, bands).map(({ band, hash }) => ({ band, hash, index })));
    await Promise.all(
      [...groupBy(lookups, ({ band }) => String(band))].map(async ([band, group]) => {
        const keys: string[] = [];
        for (let bucket = first; bucket <= last; bucket += 1) keys.push(this.keys.nearDuplicateBand(Number(band), bucket));
        const args = group.flatMap(({ hash, index }) => [ranges[index]!.first - first + 1, ranges[index]!.last - first + 1, fieldOf(hash), ...tailBytes(hash)]);
        const replies = await this.redis.heraldNdFindRecordsBuffer(keys.length, ...keys, ...args);
        replies.forEach((matches, position) => {
          const found = handles[group[position]!.index]!;
          for (let at = 0; at < matches.length; at += 5) {
            const place = `${matches[at + 1]! & 0x0f}:${first + matches[at]! - 1}`;
            const offsets = found.get(place) ?? new Set<number>();
            offsets.add(matches.readUIntBE(at + 2, 3));
            found.set(place, offsets);
          }
        });
      }),
    );
    return this.readEntries(handles);
  }

  /** The entries behind each item's handles; one script per entry string, all at once. */
  private async readEntries(handles: Array<Map<string, Set<number>>>): Promise<IndexedFingerprint[][]> {
    const wanted = new Map<string, Set<number>>();
    for (const perItem of handles) for (const [place, offsets] of perItem) wanted.set(place, new Set([...(wanted.get(place) ?? []), ...offsets]));
    const entries = new Map<string, IndexedFingerprint>();
    await Promise.all(
      [...wanted].map(async ([place, offsets]) => {
        const [shard, bucket] = place.split(':').map(Number) as [number, number];
        const list = [...offsets];
        const replies = await this.redis.heraldNdReadEntriesBuffer(this.keys.nearDuplicateEntries(shard, bucket), ...list);
        replies.forEach((bytes, index) => {
          if (bytes.length === 0) return;
          const { id, feedKey, at, fingerprint } = decodeEntry(bytes);
          entries.set(`${place}:${list[index]}`, { id, feedId: feedKey, at, fingerprint });
        });
      }),
    );
    return handles.map((perItem) => [...perItem].flatMap(([place, offsets]) => [...offsets].flatMap((offset) => entries.get(`${place}:${offset}`) ?? [])));
  }
}
