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
import { batchesOf } from '../batches.js';
import { isCluster, type RedisClient } from './client.js';
import { checkSignatureBits, decodeEntry, encodeEntry, entrySize, feedKeyOf, storedFingerprint } from './near-duplicate-entries.js';
import { EntryReservations, type ChunkRequest } from './near-duplicate-reservations.js';
import { withNearDuplicateScripts } from './near-duplicate-scripts.js';
import { createStoryKeys, type StoryKeys } from './story-keys.js';

/**
 * The near-duplicate index in Redis (layout 5), laid out for memory (~176 B per item), for few
 * round trips and for Redis Cluster.
 *
 * Time is cut into buckets a third of the window long (a lookup spans at most 7 of them).
 *
 * - Entries (near-duplicate-entries.ts, 47 B): id, feed, time and the signature's low 4 bits
 *   per value, fixed-size, in one hash per entry shard and bucket, 64 to a field (a chunk; a
 *   field is rewritten whole on append, so it stays small); the hash expires a window and a
 *   bucket after its last write. An entry's handle is its shard, bucket and ordinal. The hash
 *   hands out whole chunks from a counter, and an index holds a few ahead
 *   (near-duplicate-reservations.ts): it alone writes a chunk it took, so it names an item's
 *   ordinal before the entry is written.
 * - Band records: one hash per group of four LSH bands (band modulo 4); the field is the band
 *   number and the band hash's first 12 bits (4,096 fields a band), the value a run of 5-byte
 *   records in arrival order: the band hash's bits 11 to 20 (the tail), the entry's bucket
 *   modulo 8, its shard (2 bits) and its ordinal (17 bits), then the hash's next 7 bits (the
 *   check; a lookup reads the entry of one in ~2^17 records that merely share the field).
 *   Records outlive their entries only briefly: appending to a field
 *   first drops the records at its head 4 to 6 buckets older than the batch (a stale record
 *   left behind, or one whose bucket number has come round again, only costs reading an entry
 *   that is gone or does not match). 16 bands × 5 B, plus ~35 B of hash fields at 100,000
 *   items in the window (less per item as the window fills). Where Redis's time goes (a lookup
 *   copies its field into Lua, which hashes every string it makes byte by byte), smaller fields
 *   and entries read only for true hits are worth those ~36 B an item over layout 4.
 *
 * Slots: each band group is one key, tagged `{nd5-g<group>}`, so on a cluster one script per
 * group looks up and appends a batch's records; the entry hashes of one shard share the tag
 * `{nd4-e<shard>}` over all buckets, so one script reads a batch's candidates from a shard
 * whatever their buckets. 4 group slots and 4 shard slots: every call stays in one slot, and the
 * index (a small part of Herald's memory beside the items) spreads over the masters. One server
 * has no slots to keep to: there one band script takes all four groups, and one read script all
 * the shards (fewer commands to encode, send and run per batch).
 *
 * Round trips: on one server matchAndAdd takes one for a batch (of up to 400 items; a larger one
 * goes in slices, one after another): one band script call, with any chunk requests sent in the
 * same write (see `together`). The band script appends the batch's entries, looks up the batch's
 * fields and appends its records (lookups first, so a batch never finds itself), and reads the
 * entries its lookups find: a plain search for the first byte of a lookup's tail (C sifts a
 * field's ~25 records), the rest of the tail, the check and the bucket checked in Lua for the few that match. On a cluster the entries live in other
 * slots: there a band script sends back the records whose first byte matched, the client checks
 * them and reads their entries in a second round trip (as one server does for a batch whose items'
 * windows span more than 16 buckets). A further round trip goes first when the index holds too few
 * chunks for the batch (its first batch in a bucket; a batch larger than the last); otherwise the
 * first round trip also asks for the next batch's chunks. Items of the batch are matched against
 * its earlier items in memory.
 *
 * Concurrency: a band group's script looks up and appends at once, so of two batches sharing a
 * band the later finds the earlier. On one server an entry is written before its records (in the
 * same script call, first); on a cluster they go to different masters at once, and a batch that
 * finds a record in the instant before its entry lands reads nothing for it: a missed match,
 * only between batches running at the same moment, which the story engine's clustering lock
 * never lets happen.
 *
 * Layout 4 kept band records of 4 bytes (no check) in fields of 11 bits under `{nd4-g…}`, with
 * the entries this layout keeps (`{nd4-e…}`, unchanged): an upgrade moves its records here
 * (near-duplicate-migration.ts), so items indexed before it are still found. Layouts before it
 * used the tags `{nd-b…}`/`{nd-e…}`, `{nd2-b…}`/`{nd2-e…}` and `{nd3-g…}`/`{nd3-e…}`: never
 * read, they expired within a window and a bucket.
 */

/** Entry shards (2 bits of a record). */
const ENTRY_SHARDS = 4;
/** Entries per hash field (a chunk, the unit an entry hash hands out). */
const ENTRIES_PER_CHUNK = 64;
/**
 * The fewest chunks an index asks an entry hash for at once: batches of a poll (~20 items) then
 * append to one entry hash for ~12 batches, with one call each, and ask for chunks every ~12th
 * batch (one chunk at a time, a third of batches straddled two hashes and every third asked).
 */
const CHUNKS_PER_REQUEST = 4;
/** Entries an entry hash takes: the 17 bits of a record's ordinal (524,288 items a bucket over the 4 shards). */
const MAX_ENTRIES = 1 << 17;
/**
 * The band hash's first bits name the field: 4,096 fields a band, ~25 records each with 100,000
 * items in the window (a lookup copies a field into Lua, which hashes every string it makes byte
 * by byte, a fifth of Redis's time in a batch of layout 4, whose fields held ~50 records).
 */
export const FIELD_BITS = 12;
/**
 * A record's tail: the band hash's bits 11 to 20 (the first of them, with 12 field bits, also in
 * the field: layout-4 records, whose fields had 11 bits, keep their first four bytes as they were).
 */
const TAIL_BITS = 10;
const TAIL_SHIFT = 32 - 11 - TAIL_BITS;
/**
 * A record's check: the band hash's next 7 bits, in its fifth byte. With them a lookup reads an
 * entry that merely shares its field and tail once in ~100 batches of 20 at 100,000 items (with
 * the tail alone ~15 of a batch's ~17 entry reads were such). The byte's high bit marks a record
 * migrated from layout 4, whose check is not known: it is read on its tail alone, as it was.
 */
const CHECK_BITS = 7;
export const UNKNOWN_CHECK = 0x80;
/** Bands share a key four by four (band modulo 4): fewer, larger script calls per batch. */
export const BAND_GROUPS = 4;
export const RECORD_BYTES = 5;
/** A field as the band script names it: the band (5 bits), then the band hash's first 12 bits. */
export const FIELD_BYTES = 3;
/** Time buckets whose entries one band script call may read on one server (4 entry hashes each); a batch spanning more reads them in a second round trip. */
const MAX_READ_BUCKETS = 16;
/** Entry hashes one read call takes: the read script names a key by one byte. */
const MAX_KEYS_PER_READ = 255;
/** A record keeps its entry's bucket modulo 8: a lookup spans at most 7 buckets, so that names one. */
const BUCKET_CYCLE = 8;

/** One item to look up or add. */
export interface IndexItem {
  id: string;
  fingerprint: Fingerprint;
  at: number;
  feedId: string;
}

/** An item with what the index derives from it once: its band hashes (bands `firstBand` on, in order), feed key and time bucket. */
interface Prepared {
  item: IndexItem;
  firstBand: number;
  hashes: number[];
  feedKey: string;
  bucket: number;
}

/** Where an added item's entry goes (ordinal -1: left out, its entry hash is full). */
interface Placed extends Prepared {
  shard: number;
  ordinal: number;
}

/** An item's 32-bit band hashes from band `firstBand` on; a short text has one, in the band after the last. */
function bandsOf(fingerprint: Fingerprint, bands: number, rows: number): { firstBand: number; hashes: number[] } {
  if (fingerprint.kind === 'short-text') return { firstBand: bands, hashes: [fnv1a32(`t:${fingerprint.digest}`)] };
  return { firstBand: 0, hashes: bandHashes(fingerprint.signature, bands, rows) };
}

/** The field of a band hash in its group's hash: the band number, then the hash's first bits. */
export function fieldOf(band: number, hash: number): number {
  return (band << FIELD_BITS) | (hash >>> (32 - FIELD_BITS));
}

function tailOf(hash: number): number {
  return (hash >>> TAIL_SHIFT) & ((1 << TAIL_BITS) - 1);
}

function checkOf(hash: number): number {
  return (hash >>> (TAIL_SHIFT - CHECK_BITS)) & ((1 << CHECK_BITS) - 1);
}

/** `value` modulo `modulus`, also for negative values (times before 1970). */
function modulo(value: number, modulus: number): number {
  return ((value % modulus) + modulus) % modulus;
}

/** A record's first four bytes, as in layout 4 (its fifth: checkOf). */
function recordOf(hash: number, bucket: number, shard: number, ordinal: number): number {
  return ((tailOf(hash) << 22) | (modulo(bucket, BUCKET_CYCLE) << 19) | (shard << 17) | ordinal) >>> 0;
}

/** An entry's handle as one number (exact: buckets stay far below 2^34). */
function handleOf(shard: number, bucket: number, ordinal: number): number {
  return (bucket * ENTRY_SHARDS + shard) * MAX_ENTRIES + ordinal;
}

function placeOf(handle: number): { shard: number; bucket: number; ordinal: number } {
  const ordinal = modulo(handle, MAX_ENTRIES);
  const rest = (handle - ordinal) / MAX_ENTRIES;
  const shard = modulo(rest, ENTRY_SHARDS);
  return { shard, bucket: (rest - shard) / ENTRY_SHARDS, ordinal };
}

/**
 * Fields as the band script takes them: 3 bytes each (the band, then the hash's first 12 bits). (The arguments packed here and below are
 * written whole, so they come from Node's buffer pool, allocUnsafe, rather than each from memory
 * of its own that garbage collection must then free.)
 */
function packFields(fields: readonly number[]): Buffer {
  const bytes = Buffer.allocUnsafe(FIELD_BYTES * fields.length);
  fields.forEach((field, index) => bytes.writeUIntBE(field, FIELD_BYTES * index, FIELD_BYTES));
  return bytes;
}

/**
 * Items a band group's script takes at once: its HSET gets 2 values per field, 4 fields an item,
 * and Lua unpacks at most ~8,000 values.
 */
const ITEMS_PER_CALL = 400;

/** Groups values by a key, keeping first-seen order. */
function groupBy<T, K>(values: Iterable<T>, keyOf: (value: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

function countPerBucket(items: Array<{ bucket: number }>): Map<number, number> {
  return new Map([...groupBy(items, ({ bucket }) => bucket)].map(([bucket, group]) => [bucket, group.length]));
}

/** A command, built and sent when called. */
type Command = (redis: RedisClient) => Promise<unknown>;

/**
 * Sends commands at once, in order on the connection; gives their replies in order. On one
 * server they leave in one write (the socket is corked while they are built): one system call
 * each way instead of one a command, and Redis reads and answers them in one turn of its loop.
 * A connection not yet ready (connecting, reconnecting) is not corked: ioredis queues the
 * commands and sends them, still in order, once it is.
 */
async function together(redis: RedisClient, commands: Command[]): Promise<unknown[]> {
  const stream = isCluster(redis) || redis.status !== 'ready' ? undefined : redis.stream;
  stream?.cork();
  try {
    // A command that throws while built becomes a rejection in its place: those already sent stay
    // in Promise.all, which handles their failures too, instead of being dropped unhandled.
    return Promise.all(commands.map(async (command) => command(redis)));
  } finally {
    stream?.uncork();
  }
}

/** Handles a lookup found per item. */
type Handles = Array<Set<number>>;

/** Numbers a lookup of one item's band hash takes in GroupWork.lookups: the position of its field in the group's call, the item, and the record tail and check it wants. */
const LOOKUP_WORDS = 4;
/** Numbers an appended record takes in GroupWork: the position of its field, the record's first four bytes and its check. */
const APPEND_WORDS = 3;

/** Fields there are: 17 bits, so at most 31 bands and short texts'. */
const FIELDS = 1 << 17;

/**
 * One band group's share of a script call: its fields in order, the records to append and the
 * lookups. Records are kept flat, (position, record, check) after one another, and sorted by field only
 * when packed: a batch of 20 touches ~300 fields, and an array per field was most of the garbage
 * a batch left behind. A field's position is kept in a table the index lends to the groups of a
 * call (a field names its band, so no two groups share one), cleared once the call is built: a
 * map per group, grown entry by entry each batch, was garbage too.
 */
class GroupWork {
  readonly fields: number[] = [];
  /** Lookups, LOOKUP_WORDS numbers each (flat, like the records: an object per lookup was garbage). */
  readonly lookups: number[] = [];
  private readonly appended: number[] = [];

  /** `positions`: per field, its position in its group's call plus one (0: not in it); all 0 where unused. */
  constructor(private readonly positions: Int32Array) {}

  /** The position of a band hash's field in the group's call (a new field takes the next). */
  position(band: number, hash: number): number {
    const field = fieldOf(band, hash);
    const position = this.positions[field]! - 1;
    if (position >= 0) return position;
    this.fields.push(field);
    this.positions[field] = this.fields.length;
    return this.fields.length - 1;
  }

  /** Gives the position table back as it was lent (all 0). */
  release(): void {
    for (const field of this.fields) this.positions[field] = 0;
  }

  lookUp(band: number, hash: number, item: number): void {
    this.lookups.push(this.position(band, hash), item, tailOf(hash), checkOf(hash));
  }

  append(band: number, hash: number, record: number): void {
    this.appended.push(this.position(band, hash), record, checkOf(hash));
  }

  /** Per field the number of records to append (uint16 BE) and the records, field after field in arrival order, as the band script takes them. */
  packAppends(): { counts: Buffer; records: Buffer } {
    if (this.appended.length === 0) return { counts: Buffer.alloc(0), records: Buffer.alloc(0) };
    const perField: number[] = new Array(this.fields.length + 1).fill(0);
    for (let at = 0; at < this.appended.length; at += APPEND_WORDS) perField[this.appended[at]! + 1]! += 1;
    const counts = Buffer.allocUnsafe(2 * this.fields.length);
    for (let position = 0; position < this.fields.length; position += 1) {
      counts.writeUInt16BE(perField[position + 1]!, 2 * position);
      // From here on, where the field's records start (in records).
      perField[position + 1]! += perField[position]!;
    }
    const records = Buffer.allocUnsafe((RECORD_BYTES * this.appended.length) / APPEND_WORDS);
    for (let at = 0; at < this.appended.length; at += APPEND_WORDS) {
      const position = this.appended[at]!;
      records.writeUInt32BE(this.appended[at + 1]!, RECORD_BYTES * perField[position]!);
      records[RECORD_BYTES * perField[position]! + 4] = this.appended[at + 2]!;
      perField[position]! += 1;
    }
    return { counts, records };
  }
}

/** A band script's reply: per record found, the lookup's number (uint16) and the record. */
const FOUND_BYTES = 2 + RECORD_BYTES;

/** Bytes of a lookup as the band script takes it. */
const LOOKUP_BYTES = 7;

/** Lookups as the band script takes them: the field's position and the item (uint16 BE each), the tail's high 8 bits (a record's first byte), its low 2 bits, and the check. */
function packLookups(lookups: readonly number[]): Buffer {
  const count = lookups.length / LOOKUP_WORDS;
  const bytes = Buffer.allocUnsafe(LOOKUP_BYTES * count);
  for (let index = 0; index < count; index += 1) {
    const at = LOOKUP_BYTES * index;
    const tail = lookups[LOOKUP_WORDS * index + 2]!;
    bytes.writeUInt16BE(lookups[LOOKUP_WORDS * index]!, at);
    bytes.writeUInt16BE(lookups[LOOKUP_WORDS * index + 1]!, at + 2);
    bytes[at + 4] = tail >>> (TAIL_BITS - 8);
    bytes[at + 5] = tail & ((1 << (TAIL_BITS - 8)) - 1);
    bytes[at + 6] = lookups[LOOKUP_WORDS * index + 3]!;
  }
  return bytes;
}

/** Adds to each item's handles the records its lookups found whose whole tail and check (where known) match and whose bucket lies in the item's window. */
function collectHandles(found: Buffer, lookups: readonly number[], ranges: ReadonlyArray<{ first: number; last: number }>, handles: Handles): void {
  for (let at = 0; at + FOUND_BYTES <= found.length; at += FOUND_BYTES) {
    const lookup = LOOKUP_WORDS * found.readUInt16BE(at);
    const item = lookups[lookup + 1]!;
    const tail = lookups[lookup + 2]!;
    const word = found.readUInt32BE(at + 2);
    const check = found[at + 6]!;
    if (word >>> 22 !== tail || (check !== lookups[lookup + 3] && check < UNKNOWN_CHECK)) continue;
    const { first, last } = ranges[item]!;
    const bucket = first + modulo(((word >>> 19) & 7) - first, BUCKET_CYCLE);
    if (bucket > last) continue;
    handles[item]!.add(handleOf((word >>> 17) & 3, bucket, word & (MAX_ENTRIES - 1)));
  }
}

/**
 * A batch's earlier items by band hash, for matching the batch against itself. One map for all
 * bands, from a hash (as an int32: a small integer to V8, where a uint32 may not be) to the first
 * slot holding it; a slot keeps its band, its item and the next slot of the same hash, in
 * arrival order. (A map and an array per band and hash were most of the garbage ranking made.)
 */
class BatchBands {
  private readonly first = new Map<number, number>();
  private readonly next: number[];
  private readonly bands: number[];
  private readonly entries: IndexedFingerprint[];
  private slots = 0;

  /** `slots`: the band hashes the batch will add (taken at once, rather than grown hash by hash). */
  constructor(slots: number) {
    this.next = new Array<number>(slots);
    this.bands = new Array<number>(slots);
    this.entries = new Array<IndexedFingerprint>(slots);
  }

  add(firstBand: number, hashes: readonly number[], entry: IndexedFingerprint): void {
    hashes.forEach((hash, index) => {
      const slot = this.slots;
      this.slots += 1;
      this.next[slot] = -1;
      this.bands[slot] = firstBand + index;
      this.entries[slot] = entry;
      let last = this.first.get(hash | 0);
      if (last === undefined) this.first.set(hash | 0, slot);
      else {
        while (this.next[last]! >= 0) last = this.next[last]!;
        this.next[last] = slot;
      }
    });
  }

  /** Visits the earlier items sharing a band hash, band after band, in arrival order within a band. */
  forEachSharing(firstBand: number, hashes: readonly number[], visit: (entry: IndexedFingerprint) => void): void {
    hashes.forEach((hash, index) => {
      for (let slot = this.first.get(hash | 0) ?? -1; slot >= 0; slot = this.next[slot]!) {
        if (this.bands[slot] === firstBand + index) visit(this.entries[slot]!);
      }
    });
  }
}

/**
 * Handles (sorted) split into read calls: on a cluster one per shard (its buckets share a
 * slot), on one server one in all; more where a call would name more entry hashes than a byte can.
 */
function readCalls(handles: number[], cluster: boolean): number[][] {
  return [...groupBy(handles, (handle) => (cluster ? placeOf(handle).shard : 0)).values()].flatMap((sameSlot) => {
    const calls: number[][] = [];
    let keys = MAX_KEYS_PER_READ;
    let previousHash = -1;
    for (const handle of sameSlot) {
      const hash = Math.floor(handle / MAX_ENTRIES);
      if (hash !== previousHash) {
        if (keys === MAX_KEYS_PER_READ) {
          calls.push([]);
          keys = 0;
        }
        keys += 1;
        previousHash = hash;
      }
      calls.at(-1)!.push(handle);
    }
    return calls;
  });
}

/**
 * The near-duplicate index over Redis (layout above). `matchAndAdd` serves a poll's batch:
 * items are matched against the indexed items and, in memory, against the batch's earlier
 * items, then added, in one or two round trips (see Round trips above). `query` and `add` are
 * the same for one item.
 */
export class RedisNearDuplicateIndex implements NearDuplicateIndex {
  readonly options: NearDuplicateIndexOptions;
  private readonly keys: StoryKeys;
  private readonly redis: RedisClient;
  /** On a cluster every script call keeps to one slot; one server takes a batch's keys together. */
  private readonly cluster: boolean;
  private readonly bucketMs: number;
  private readonly entrySize: number;
  private lastEntryKeys?: { first: number; keys: string[] };
  /** Lent to a call's band groups while it is built (see GroupWork). */
  private readonly positions = new Int32Array(FIELDS);
  private readonly reservations = new EntryReservations(ENTRY_SHARDS, ENTRIES_PER_CHUNK, MAX_ENTRIES / ENTRIES_PER_CHUNK, CHUNKS_PER_REQUEST);
  /** Batches take entry positions and send their appends one after another, so a chunk's appends reach Redis in the order of their ordinals. */
  private placing: Promise<unknown> = Promise.resolve();

  constructor(redis: RedisClient, prefix: string, options: Partial<NearDuplicateIndexOptions> = {}) {
    this.redis = withNearDuplicateScripts(redis);
    this.cluster = isCluster(redis);
    this.options = { ...DEFAULT_INDEX_OPTIONS, ...options };
    checkSignatureBits(this.options.signatureBits);
    this.keys = createStoryKeys(prefix);
    this.bucketMs = Math.max(1, Math.ceil(this.options.windowMs / 3));
    // An entry keeps its time as 32-bit ms into its bucket.
    if (this.bucketMs > 0xffffffff) throw new RangeError(`a near-duplicate window of ${this.options.windowMs} ms is too long (at most 149 days)`);
    if (fieldOf(this.options.bands + 1, 0) > FIELDS) throw new RangeError(`${this.options.bands} bands are too many for the index (at most 31)`);
    this.entrySize = entrySize(this.options);
  }

  async add(id: string, fingerprint: Fingerprint, at: number, feedId: string): Promise<void> {
    await this.addAll([{ id, fingerprint, at, feedId }]);
  }

  async query(fingerprint: Fingerprint, at: number, feedId: string): Promise<string[]> {
    const items = [this.prepare({ id: '', fingerprint, at, feedId })];
    return this.rank(items, await this.findAndAdd(items, []), false)[0]!;
  }

  /**
   * For each item in order, the ids of its near-duplicates (most similar first) among the
   * indexed items and the batch's earlier items; then adds the batch. One round trip on one
   * server, two on a cluster.
   */
  async matchAndAdd(items: IndexItem[]): Promise<string[][]> {
    const prepared = items.map((item) => this.prepare(item));
    const indexed: IndexedFingerprint[][] = [];
    // A later slice also finds the earlier ones in Redis; ranking counts each candidate once.
    for (const slice of batchesOf(prepared, ITEMS_PER_CALL)) indexed.push(...(await this.findAndAdd(slice, slice)));
    return this.rank(prepared, indexed, true);
  }

  /** Adds items to the index: their entries and the band records that point at them. */
  async addAll(items: IndexItem[]): Promise<void> {
    for (const slice of batchesOf(items.map((item) => this.prepare(item)), ITEMS_PER_CALL)) await this.findAndAdd([], slice);
  }

  private prepare(item: IndexItem): Prepared {
    const { firstBand, hashes } = bandsOf(item.fingerprint, this.options.bands, this.options.rows);
    return { item, firstBand, hashes, feedKey: feedKeyOf(item.feedId), bucket: this.bucketOf(item.at) };
  }

  private bucketOf(at: number): number {
    return Math.floor(at / this.bucketMs);
  }

  private get ttl(): number {
    return this.options.windowMs + this.bucketMs;
  }

  /**
   * The indexed entries sharing a band with each of `lookups` within its window, and adds
   * `additions` (their entries and band records): one round trip on one server, two on a
   * cluster (after one that reserves chunks, when the index holds too few).
   */
  private async findAndAdd(lookups: Prepared[], additions: Prepared[]): Promise<IndexedFingerprint[][]> {
    if (additions.length === 0) return this.lookUpAndAppend(lookups, []);
    // Not awaited inside the turn: the next batch may place its entries while this one waits for its replies.
    const sent = this.inTurn(async () => ({ found: this.lookUpAndAppend(lookups, await this.place(additions)) }));
    return (await sent).found;
  }

  private inTurn<T>(step: () => Promise<T>): Promise<T> {
    const result = this.placing.then(step);
    this.placing = result.catch(() => undefined);
    return result;
  }

  /** Takes an entry position for each addition, first reserving chunks (a round trip) if too few are held. */
  private async place(additions: Prepared[]): Promise<Placed[]> {
    const now = Date.now();
    this.reservations.prune(now, this.options.windowMs);
    const short = this.reservations.shortfall(countPerBucket(additions));
    if (short.length > 0) this.granted(short, await together(this.redis, short.map((request) => this.reserve(request))));
    return additions.map(({ item, firstBand, hashes, feedKey, bucket }) => {
      const position = this.reservations.take(bucket, now);
      // Named fields, not a spread of `prepared`: V8 builds a spread object by a slow path, which a batch paid for per item.
      return { item, firstBand, hashes, feedKey, bucket, shard: position?.shard ?? -1, ordinal: position?.ordinal ?? -1 };
    });
  }

  /** A command reserving chunks; its reply (the counter after them) goes to `granted`. */
  private reserve({ shard, bucket, chunks }: ChunkRequest): Command {
    return (redis) => redis.heraldNdReserveChunks(this.keys.nearDuplicateEntries(shard, bucket), this.ttl, chunks);
  }

  private granted(requests: ChunkRequest[], replies: unknown[]): void {
    const now = Date.now();
    requests.forEach((request, index) => this.reservations.grant(request, Number(replies[index]), now));
  }

  /**
   * Sends, in one round trip: the entries of `placed`, chunk requests for the next batch where
   * this one left too few, and the band scripts looking up `lookups` and appending the records
   * of `placed`; on one server the band script also reads the entries it finds, on a cluster a
   * second round trip does. Entries go first (on one server inside the band call): there nobody
   * finds a record before its entry.
   */
  private async lookUpAndAppend(lookups: Prepared[], placed: Placed[]): Promise<IndexedFingerprint[][]> {
    const { windowMs } = this.options;
    const ranges = lookups.map(({ item }) => ({ first: this.bucketOf(item.at - windowMs), last: this.bucketOf(item.at + windowMs) }));
    /** Per band group (sparse), its share of the calls. */
    const perGroup: GroupWork[] = [];
    const workOf = (band: number): GroupWork => (perGroup[band % BAND_GROUPS] ??= new GroupWork(this.positions));
    const stored = placed.filter(({ ordinal }) => ordinal >= 0);
    // The position table is lent and given back with no await between: calls overlapping on one
    // index (a query beside a batch, batches in turn) never hold it at once. Keep it so.
    try {
      lookups.forEach(({ firstBand, hashes }, item) => {
        hashes.forEach((hash, index) => workOf(firstBand + index).lookUp(firstBand + index, hash, item));
      });
      for (const { firstBand, hashes, shard, bucket, ordinal } of stored) {
        hashes.forEach((hash, index) => workOf(firstBand + index).append(firstBand + index, hash, recordOf(hash, bucket, shard, ordinal)));
      }
    } finally {
      perGroup.forEach((work) => work.release());
    }
    const entryHashes = [...groupBy(stored, ({ shard, bucket }) => handleOf(shard, bucket, 0)).values()];
    const ahead = this.reservations.ahead(countPerBucket(placed));
    const reference = this.trimReference(placed);
    // On a cluster each group is a slot of its own; one server takes them all in one call.
    const groups = perGroup.flatMap((work, group): Array<[number, GroupWork]> => [[group, work]]);
    const calls = this.cluster || groups.length === 0 ? groups.map((group) => [group]) : [groups];
    const here = this.cluster || lookups.length === 0 ? undefined : this.readsHere(ranges);
    const entryKeys = here?.keys ?? [];
    const readArgs = [here?.ranges ?? Buffer.alloc(0), modulo(here?.first ?? 0, BUCKET_CYCLE), this.entrySize, ENTRIES_PER_CHUNK];
    // One server appends the entries in its one band call (keys of any slot may go together there); a cluster in calls of their own.
    const apart = this.cluster ? entryHashes : [];
    const inBand = this.cluster ? [] : entryHashes.map((group) => this.appendArgs(group));
    const entryArgs = [inBand.length, ...inBand.flatMap(({ ordinals, fixed }) => [ordinals, fixed]), ...inBand.flatMap(({ longIds }) => longIds)];
    const bandCalls = calls.map((call): Command => (redis) => {
      const args = call.flatMap(([, work]) => {
        const packed = work.packAppends();
        return [packFields(work.fields), packed.counts, packed.records, packLookups(work.lookups)];
      });
      const keys = [...call.map(([group]) => this.keys.nearDuplicateBands(group)), ...entryKeys, ...inBand.map(({ key }) => key)];
      return redis.heraldNdFindAndAddRecordsBuffer(keys.length, ...keys, this.ttl, reference, call.length, ...readArgs, ...args, ...entryArgs);
    });
    const replies = await together(this.redis, [...apart.map((group) => this.appendEntries(group)), ...ahead.map((request) => this.reserve(request)), ...bandCalls]);
    const bandReplies = replies.slice(apart.length + ahead.length) as Array<[number[][], Buffer[]]>;
    const notWritten = [...(replies.slice(0, apart.length) as number[][]), ...(bandReplies[0]?.[0] ?? [])];
    entryHashes.forEach((group, index) => {
      for (const chunk of notWritten[index]!) this.reservations.drop(group[0]!.shard, group[0]!.bucket, chunk);
    });
    this.granted(ahead, replies.slice(apart.length));
    if (here) return this.decodeFound(bandReplies[0]![1], here.first, lookups.length);
    const handles: Handles = lookups.map(() => new Set());
    calls.forEach((call, index) => {
      call.forEach(([, { lookups: wanted }], key) => collectHandles(bandReplies[index]![1][key]!, wanted, ranges, handles));
    });
    return this.readEntries(handles);
  }

  /**
   * On one server, what lets the band script read the entries it finds: the batch's first
   * bucket, the entry hashes of its buckets and each item's window in buckets from the first;
   * none when the windows span too many buckets (items far apart in time).
   */
  private readsHere(ranges: ReadonlyArray<{ first: number; last: number }>): { first: number; keys: string[]; ranges: Buffer } | undefined {
    const first = Math.min(...ranges.map((range) => range.first));
    const span = Math.max(...ranges.map((range) => range.last)) - first + 1;
    if (span > MAX_READ_BUCKETS) return undefined;
    const packed = Buffer.allocUnsafe(2 * ranges.length);
    ranges.forEach((range, item) => {
      packed[2 * item] = range.first - first;
      packed[2 * item + 1] = range.last - first;
    });
    return { first, keys: this.entryKeysOf(first, span), ranges: packed };
  }

  /** The entry hashes of `span` buckets from `first`, 4 shards a bucket; the last batch's kept, as the next batch mostly wants the same. */
  private entryKeysOf(first: number, span: number): string[] {
    if (this.lastEntryKeys?.first !== first || this.lastEntryKeys.keys.length !== span * ENTRY_SHARDS) {
      const keys = Array.from({ length: span * ENTRY_SHARDS }, (_, index) => this.keys.nearDuplicateEntries(index % ENTRY_SHARDS, first + Math.floor(index / ENTRY_SHARDS)));
      this.lastEntryKeys = { first, keys };
    }
    return this.lastEntryKeys.keys;
  }

  /** Each item's entries as the band script read them: the item (uint16), its bucket (from `first`), the entry. */
  private decodeFound(found: Buffer[], first: number, items: number): IndexedFingerprint[][] {
    const perItem: IndexedFingerprint[][] = Array.from({ length: items }, () => []);
    for (const bytes of found) perItem[bytes.readUInt16BE(0)]!.push(this.decode(bytes.subarray(3), first + bytes[2]!));
    return perItem;
  }

  /** An entry as read from its entry hash of time bucket `bucket`, as ranking takes it. */
  private decode(entry: Buffer, bucket: number): IndexedFingerprint {
    const { id, feedKey, at, fingerprint } = decodeEntry(entry, bucket * this.bucketMs, this.options);
    return { id, feedId: feedKey, at, fingerprint };
  }

  /** A command appending entries of one entry hash, in the order their positions were taken; it replies with the chunks it could not write. */
  private appendEntries(group: Placed[]): Command {
    return (redis) => {
      const { key, ordinals, fixed, longIds } = this.appendArgs(group);
      return redis.heraldNdAppendEntries(key, this.ttl, this.entrySize, ENTRIES_PER_CHUNK, ordinals, fixed, ...longIds);
    };
  }

  /** The entry hash of `group` (entries of one) and their ordinals, fixed parts and long ids, as the append scripts take them. */
  private appendArgs(group: Placed[]): { key: string; ordinals: Buffer; fixed: Buffer; longIds: Buffer[] } {
    const { shard, bucket } = group[0]!;
    const ordinals = Buffer.allocUnsafe(3 * group.length);
    const encoded = group.map(({ item, feedKey, ordinal }, index) => {
      ordinals.writeUIntBE(ordinal, 3 * index, 3);
      return encodeEntry({ id: item.id, feedKey, at: item.at, fingerprint: item.fingerprint }, bucket * this.bucketMs, this.options);
    });
    const fixed = Buffer.concat(encoded.map((entry) => entry.subarray(0, this.entrySize)));
    const longIds = encoded.flatMap((entry) => (entry.length > this.entrySize ? [entry.subarray(this.entrySize)] : []));
    return { key: this.keys.nearDuplicateEntries(shard, bucket), ordinals, fixed, longIds };
  }

  /**
   * The bucket (modulo 8) that records are trimmed against: the newest of the items added,
   * leaving out items dated more than a bucket ahead of the clock (a feed's wrong date must not
   * make every record look old); -1 (no trimming) when there is none.
   */
  private trimReference(placed: Placed[]): number {
    const latest = this.bucketOf(Date.now()) + 1;
    const buckets = placed.map(({ bucket }) => bucket).filter((bucket) => bucket <= latest);
    return buckets.length === 0 ? -1 : modulo(Math.max(...buckets), BUCKET_CYCLE);
  }

  /** The entries behind each item's handles: one script per entry shard on a cluster (its buckets share a slot), one on one server, all at once. */
  private async readEntries(handles: Handles): Promise<IndexedFingerprint[][]> {
    const unique = new Set<number>();
    for (const perItem of handles) for (const handle of perItem) unique.add(handle);
    const calls = readCalls([...unique].sort((a, b) => a - b), this.cluster);
    const reads = calls.map((wanted) => {
      const hashes: Array<{ shard: number; bucket: number }> = [];
      const packed = Buffer.allocUnsafe(4 * wanted.length);
      wanted.forEach((handle, index) => {
        const { shard, bucket, ordinal } = placeOf(handle);
        const last = hashes.at(-1);
        if (last?.shard !== shard || last.bucket !== bucket) hashes.push({ shard, bucket });
        packed[4 * index] = hashes.length;
        packed.writeUIntBE(ordinal, 4 * index + 1, 3);
      });
      const keys = hashes.map(({ shard, bucket }) => this.keys.nearDuplicateEntries(shard, bucket));
      const command: Command = (redis) => redis.heraldNdReadEntriesBuffer(keys.length, ...keys, this.entrySize, ENTRIES_PER_CHUNK, packed);
      return { wanted, command };
    });
    const replies = await together(this.redis, reads.map(({ command }) => command));
    const entries = new Map<number, IndexedFingerprint>();
    reads.forEach(({ wanted }, index) => {
      const bytes = replies[index] as Buffer[];
      wanted.forEach((handle, position) => {
        const entry = bytes[position]!;
        if (entry.length >= this.entrySize) entries.set(handle, this.decode(entry, placeOf(handle).bucket));
      });
    });
    return handles.map((perItem) => [...perItem].flatMap((handle) => entries.get(handle) ?? []));
  }

  /** Near-duplicates of each item among its indexed candidates and, with `withinBatch`, the batch's earlier items. */
  private rank(items: Prepared[], indexed: IndexedFingerprint[][], withinBatch: boolean): string[][] {
    const { windowMs, signatureBits } = this.options;
    const earlier = new BatchBands(withinBatch ? items.reduce((slots, { hashes }) => slots + hashes.length, 0) : 0);
    return items.map(({ item, firstBand, hashes, feedKey }, index) => {
      // Similarity compares only a signature's low bits, so one needs no cutting; a digest does (it is stored shorter).
      const fingerprint = item.fingerprint.kind === 'minhash' ? item.fingerprint : storedFingerprint(item.fingerprint, signatureBits);
      const found: IndexedFingerprint[] = [];
      const near = (candidate: IndexedFingerprint): void => {
        if (Math.abs(candidate.at - item.at) <= windowMs) found.push(candidate);
      };
      indexed[index]!.forEach(near);
      earlier.forEachSharing(firstBand, hashes, near);
      if (withinBatch) earlier.add(firstBand, hashes, { id: item.id, feedId: feedKey, at: item.at, fingerprint });
      return found.length === 0 ? [] : rankNearDuplicates(fingerprint, feedKey, found, this.options);
    });
  }
}
