/**
 * Entry positions a near-duplicate index holds ahead of its batches (layout:
 * near-duplicate-index.ts). An entry hash hands out whole chunks (hash fields of 64 entries)
 * from a counter; the index that took a chunk is the only writer of that field, so it knows an
 * entry's ordinal before the entry is written, and a batch's band records (which name the
 * ordinals) go out in the same round trip as its entries.
 *
 * Pure bookkeeping: which chunks of which (shard, bucket) entry hash are held, and how far
 * each is filled. Redis is asked for chunks by the index.
 */

/** A free entry position: its entry hash (shard, bucket) and ordinal. */
interface Position {
  shard: number;
  bucket: number;
  ordinal: number;
}

/** A chunk held in a bucket, and how many of its entries are taken. */
interface Held {
  shard: number;
  chunk: number;
  taken: number;
}

/** Chunks to ask one entry hash for. */
export interface ChunkRequest {
  shard: number;
  bucket: number;
  chunks: number;
}

export class EntryReservations {
  /** Per bucket, the chunks held in the order they are filled, and when this index last wrote to or was granted one. */
  private readonly held = new Map<number, { chunks: Held[]; usedAt: number }>();
  /** Chunks are asked of the shards in turn (from a random one), so entries spread over the shards and a cluster's masters. */
  private nextShard: number;

  /**
   * `leastChunks`: the fewest chunks one request asks for. A run of chunks comes from one entry
   * hash, so batches filling it append with one call a batch (consecutive chunks of one hash go
   * in one call; a chunk of another hash takes a call of its own), and ask for chunks less often.
   */
  constructor(
    private readonly shards: number,
    private readonly perChunk: number,
    private readonly mostChunks: number,
    private readonly leastChunks = 1,
  ) {
    this.nextShard = Math.floor(Math.random() * shards);
  }

  /** Free positions in a bucket. */
  room(bucket: number): number {
    return (this.held.get(bucket)?.chunks ?? []).reduce((free, { taken }) => free + this.perChunk - taken, 0);
  }

  /** Chunks to ask for before a batch can take `counts` positions per bucket: enough for it and for one more batch like it. */
  shortfall(counts: ReadonlyMap<number, number>): ChunkRequest[] {
    return this.requests(counts, 2);
  }

  /** Chunks to ask for, after a batch took `counts` positions per bucket, so that the next batch like it finds them held. */
  ahead(counts: ReadonlyMap<number, number>): ChunkRequest[] {
    return this.requests(counts, 1);
  }

  /** For each bucket with room for fewer than `count` positions, a request topping it up to `batches × count`. */
  private requests(counts: ReadonlyMap<number, number>, batches: number): ChunkRequest[] {
    return [...counts].flatMap(([bucket, count]) => {
      const room = this.room(bucket);
      return room >= count ? [] : [this.ask(bucket, batches * count - room)];
    });
  }

  private ask(bucket: number, positions: number): ChunkRequest {
    const request = { shard: this.nextShard, bucket, chunks: Math.max(this.leastChunks, Math.ceil(positions / this.perChunk)) };
    this.nextShard = (this.nextShard + 1) % this.shards;
    return request;
  }

  /** Records chunks an entry hash granted: the counter went up to `upTo`; chunks past the hash's capacity are no use. */
  grant({ shard, bucket, chunks }: ChunkRequest, upTo: number, now: number): void {
    const entry = this.held.get(bucket) ?? { chunks: [], usedAt: now };
    for (let chunk = upTo - chunks; chunk < Math.min(upTo, this.mostChunks); chunk += 1) entry.chunks.push({ shard, chunk, taken: 0 });
    entry.usedAt = now;
    this.held.set(bucket, entry);
  }

  /** Takes the next free position of a bucket, if one is held. */
  take(bucket: number, now: number): Position | undefined {
    const entry = this.held.get(bucket);
    const head = entry?.chunks[0];
    if (!entry || !head) return undefined;
    entry.usedAt = now;
    const position = { shard: head.shard, bucket, ordinal: head.chunk * this.perChunk + head.taken };
    head.taken += 1;
    if (head.taken === this.perChunk) entry.chunks.shift();
    return position;
  }

  /** Gives up a chunk whose field did not hold what this index wrote (it is no longer ours alone): later entries go elsewhere. */
  drop(shard: number, bucket: number, chunk: number): void {
    const entry = this.held.get(bucket);
    if (entry) entry.chunks = entry.chunks.filter((held) => held.shard !== shard || held.chunk !== chunk);
  }

  /**
   * Forgets buckets this index has not used for `maxAgeMs` (the window): their entry hash may
   * expire a window and a bucket after its last write, and its counter then starts over.
   */
  prune(now: number, maxAgeMs: number): void {
    for (const [bucket, { usedAt }] of this.held) if (now - usedAt > maxAgeMs) this.held.delete(bucket);
  }
}
