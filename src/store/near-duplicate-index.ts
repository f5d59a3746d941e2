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

/** One kind byte, then the signature (little-endian uint32s) or the digest (UTF-8). */
export function encodeFingerprint(fingerprint: Fingerprint): Buffer {
  if (fingerprint.kind === 'short-text') return Buffer.concat([Buffer.from([SHORT_TEXT]), Buffer.from(fingerprint.digest, 'utf8')]);
  const bytes = Buffer.alloc(1 + fingerprint.signature.length * 4);
  bytes[0] = MINHASH;
  fingerprint.signature.forEach((value, index) => bytes.writeUInt32LE(value, 1 + index * 4));
  return bytes;
}

export function decodeFingerprint(bytes: Buffer): Fingerprint {
  if (bytes[0] === SHORT_TEXT) return { kind: 'short-text', digest: bytes.subarray(1).toString('utf8') };
  const signature = new Uint32Array((bytes.length - 1) / 4);
  for (let index = 0; index < signature.length; index += 1) signature[index] = bytes.readUInt32LE(1 + index * 4);
  return { kind: 'minhash', signature };
}

/**
 * The near-duplicate index in Redis. Each LSH bucket is a sorted set scored by item time, so a
 * query reads only the window and an add trims what fell out of it; every key is given a ttl of
 * the window on each write, so keys nobody writes to any more expire on their own. Adds and
 * queries are one Lua script call each (one round trip), and concurrent calls share the
 * connection's pipeline.
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

  async add(id: string, fingerprint: Fingerprint, at: number): Promise<void> {
    const buckets = fingerprintBuckets(fingerprint, this.options).map(splitBucket);
    const window = this.options.windowMs;
    await this.redis.heraldNearDuplicateAdd(
      buckets.length + 1,
      ...buckets.map(({ head }) => this.keys.nearDuplicateBucket(head)),
      this.keys.fingerprint(id),
      at,
      at - window,
      window,
      encodeFingerprint(fingerprint),
      ...buckets.map(({ tail }) => `${tail}|${id}`),
    );
  }

  async query(fingerprint: Fingerprint, at: number): Promise<string[]> {
    const buckets = fingerprintBuckets(fingerprint, this.options).map(splitBucket);
    const window = this.options.windowMs;
    const reply = await this.redis.heraldNearDuplicateQueryBuffer(
      buckets.length,
      ...buckets.map(({ head }) => this.keys.nearDuplicateBucket(head)),
      at - window,
      at + window,
      this.keys.fingerprint(''),
      ...buckets.map(({ tail }) => `${tail}|`),
    );
    const candidates: IndexedFingerprint[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      candidates.push({ id: reply[i]!.toString('utf8'), at: Number(reply[i + 1]!.toString()), fingerprint: decodeFingerprint(reply[i + 2]!) });
    }
    return rankNearDuplicates(fingerprint, candidates, this.options.threshold);
  }
}
