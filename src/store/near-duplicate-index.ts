import type { Redis } from 'ioredis';
import { fingerprintBuckets, type Fingerprint } from '../dedup/fingerprint.js';
import {
  DEFAULT_INDEX_OPTIONS,
  rankNearDuplicates,
  type IndexedFingerprint,
  type NearDuplicateIndex,
  type NearDuplicateIndexOptions,
} from '../dedup/near-duplicate-index.js';
import { execPipeline } from './pipeline.js';
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
 * the window on each write, so keys nobody writes to any more expire on their own. Both
 * operations are pipelined: one round trip to add, two to query (buckets, then fingerprints).
 */
export class RedisNearDuplicateIndex implements NearDuplicateIndex {
  readonly options: NearDuplicateIndexOptions;
  private readonly keys: StoryKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    options: Partial<NearDuplicateIndexOptions> = {},
  ) {
    this.options = { ...DEFAULT_INDEX_OPTIONS, ...options };
    this.keys = createStoryKeys(prefix);
  }

  async add(id: string, fingerprint: Fingerprint, at: number): Promise<void> {
    const window = this.options.windowMs;
    const pipeline = this.redis.pipeline();
    for (const bucket of fingerprintBuckets(fingerprint, this.options)) {
      const { head, tail } = splitBucket(bucket);
      const key = this.keys.nearDuplicateBucket(head);
      pipeline.zadd(key, at, `${tail}|${id}`);
      pipeline.zremrangebyscore(key, '-inf', `(${at - window}`);
      pipeline.pexpire(key, window);
    }
    pipeline.set(this.keys.fingerprint(id), encodeFingerprint(fingerprint), 'PX', window);
    await execPipeline(pipeline);
  }

  async query(fingerprint: Fingerprint, at: number): Promise<string[]> {
    const window = this.options.windowMs;
    const buckets = fingerprintBuckets(fingerprint, this.options).map(splitBucket);
    const pipeline = this.redis.pipeline();
    for (const { head } of buckets) pipeline.zrangebyscore(this.keys.nearDuplicateBucket(head), at - window, at + window, 'WITHSCORES');
    const replies = (await execPipeline(pipeline)) as string[][];
    const times = new Map<string, number>();
    replies.forEach((reply, index) => {
      const wanted = `${buckets[index]!.tail}|`;
      for (let i = 0; i < reply.length; i += 2) {
        if (reply[i]!.startsWith(wanted)) times.set(reply[i]!.slice(wanted.length), Number(reply[i + 1]));
      }
    });
    if (times.size === 0) return [];
    const ids = [...times.keys()];
    const stored = await this.redis.mgetBuffer(...ids.map((id) => this.keys.fingerprint(id)));
    const candidates: IndexedFingerprint[] = [];
    stored.forEach((bytes, index) => {
      if (bytes) candidates.push({ id: ids[index]!, at: times.get(ids[index]!)!, fingerprint: decodeFingerprint(bytes) });
    });
    return rankNearDuplicates(fingerprint, candidates, this.options.threshold);
  }
}
