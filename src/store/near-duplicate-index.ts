import type { Redis } from 'ioredis';
import { fingerprintBuckets, type Fingerprint } from '../dedup/fingerprint.js';
import {
  DEFAULT_INDEX_OPTIONS,
  rankNearDuplicates,
  type IndexedFingerprint,
  type NearDuplicateIndex,
  type NearDuplicateIndexOptions,
} from '../dedup/near-duplicate-index.js';
import { withNearDuplicateScripts } from './near-duplicate-scripts.js';
import { createStoryKeys, type StoryKeys } from './story-keys.js';

/**
 * How many characters of a bucket name (after the band number) go into the Redis key; the rest
 * goes into the member. Three hex characters give 4,096 keys per band: few enough that each key
 * holds a compact listpack of a few dozen members even with 100,000 items in the window, and
 * the per-key overhead does not dominate memory.
 */
const KEY_CHARS = 3;

function splitBucket(bucket: string): { head: string; tail: string } {
  const cut = bucket.indexOf(':') + 1 + KEY_CHARS;
  return { head: bucket.slice(0, cut), tail: bucket.slice(cut) };
}

const MINHASH = 1;
const SHORT_TEXT = 2;

/** An indexed item as stored: its id, feed and fingerprint. */
export interface StoredEntry {
  id: string;
  feedId: string;
  fingerprint: Fingerprint;
}

/**
 * One kind byte, the payload length (uint16 LE), the payload (signature as little-endian
 * uint32s, or the digest as UTF-8), the id length (uint16 LE), the item id, then the feed id
 * (both UTF-8).
 */
export function encodeEntry({ id, feedId, fingerprint }: StoredEntry): Buffer {
  const payload = fingerprint.kind === 'short-text' ? Buffer.from(fingerprint.digest, 'utf8') : littleEndian(fingerprint.signature);
  const idBytes = Buffer.from(id, 'utf8');
  const header = Buffer.alloc(3);
  header[0] = fingerprint.kind === 'short-text' ? SHORT_TEXT : MINHASH;
  header.writeUInt16LE(payload.length, 1);
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16LE(idBytes.length, 0);
  return Buffer.concat([header, payload, idLength, idBytes, Buffer.from(feedId, 'utf8')]);
}

function littleEndian(signature: Uint32Array): Buffer {
  const bytes = Buffer.alloc(signature.length * 4);
  signature.forEach((value, index) => bytes.writeUInt32LE(value, index * 4));
  return bytes;
}

/** The entry encodeEntry wrote. */
export function decodeEntry(bytes: Buffer): StoredEntry {
  const length = bytes.readUInt16LE(1);
  const payload = bytes.subarray(3, 3 + length);
  const idLength = bytes.readUInt16LE(3 + length);
  const id = bytes.subarray(5 + length, 5 + length + idLength).toString('utf8');
  const feedId = bytes.subarray(5 + length + idLength).toString('utf8');
  if (bytes[0] === SHORT_TEXT) return { id, feedId, fingerprint: { kind: 'short-text', digest: payload.toString('utf8') } };
  const signature = new Uint32Array(length / 4);
  for (let index = 0; index < signature.length; index += 1) signature[index] = payload.readUInt32LE(index * 4);
  return { id, feedId, fingerprint: { kind: 'minhash', signature } };
}

/**
 * The near-duplicate index in Redis. Each LSH bucket is a sorted set scored by item time, so a
 * query reads only the window and an add trims what fell out of it; every key is given a ttl of
 * the window on each write, so keys nobody writes to any more expire on their own. Bucket
 * members carry a short per-prefix handle instead of the item id (the id is stored once, beside
 * the fingerprint), which keeps the 32 members an item costs small. Adds and queries are one
 * Lua script call each (one round trip), and concurrent calls share the connection's pipeline.
 */
export class RedisNearDuplicateIndex implements NearDuplicateIndex {
  readonly options: NearDuplicateIndexOptions;
  private readonly keys: StoryKeys;
  private readonly redis: Redis;

  constructor(redis: Redis, prefix: string, options: Partial<NearDuplicateIndexOptions> = {}) {
    this.redis = withNearDuplicateScripts(redis);
    this.options = { ...DEFAULT_INDEX_OPTIONS, ...options };
    this.keys = createStoryKeys(prefix);
  }

  async add(id: string, fingerprint: Fingerprint, at: number, feedId: string): Promise<void> {
    const buckets = fingerprintBuckets(fingerprint, this.options).map(splitBucket);
    const window = this.options.windowMs;
    await this.redis.heraldNearDuplicateAdd(
      buckets.length + 1,
      ...buckets.map(({ head }) => this.keys.nearDuplicateBucket(head)),
      this.keys.nearDuplicateHandles(),
      at,
      at - window,
      window,
      this.keys.nearDuplicateEntry(''),
      encodeEntry({ id, feedId, fingerprint }),
      ...buckets.map(({ tail }) => `${tail}|`),
    );
  }

  async query(fingerprint: Fingerprint, at: number, feedId: string): Promise<string[]> {
    const buckets = fingerprintBuckets(fingerprint, this.options).map(splitBucket);
    const window = this.options.windowMs;
    const reply = await this.redis.heraldNearDuplicateQueryBuffer(
      buckets.length,
      ...buckets.map(({ head }) => this.keys.nearDuplicateBucket(head)),
      at - window,
      at + window,
      this.keys.nearDuplicateEntry(''),
      ...buckets.map(({ tail }) => `${tail}|`),
    );
    const candidates: IndexedFingerprint[] = [];
    for (let i = 0; i < reply.length; i += 2) candidates.push({ at: Number(reply[i]!.toString()), ...decodeEntry(reply[i + 1]!) });
    return rankNearDuplicates(fingerprint, feedId, candidates, this.options);
  }
}
