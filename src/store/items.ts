import type { RedisClient } from './client.js';
import { exactKeys } from '../dedup/exact-keys.js';
import type { Item } from '../feeds/item.js';
import type { Keys } from './keys.js';
import { getAll, readSpreadHashes } from './pipeline.js';
import { withStoreScripts } from './scripts.js';

const DAY_MS = 86_400_000;

/** One item's progress through claiming its seen markers. */
interface Claim {
  item: Item;
  /** Its markers' keys, in the order they are claimed. */
  markers: string[];
  /** Index of the next marker to claim. */
  next: number;
  /** Whether it claimed a marker nobody held. */
  claimedAny: boolean;
  /** The item holding one of its markers, when another. */
  owner?: string | undefined;
}

export interface ItemStoreOptions {
  /** How long items (and the memory of having seen them) are kept. */
  retentionDays: number;
}

/**
 * What an entry stored under another feed's item keeps of this feed's listing: the entry is
 * stored once, but still belongs to every feed that lists it (a wire story several outlets
 * carry, an aggregator's link to an outlet's post, a feed redirected onto another's document).
 */
type ItemCopy = Pick<Item, 'id' | 'feedId' | 'sourceName' | 'url' | 'section' | 'firstSeenAt'>;

function copyOf({ id, feedId, sourceName, url, section, firstSeenAt }: Item): ItemCopy {
  return { id, feedId, sourceName, url, section, firstSeenAt };
}

/**
 * The copies other feeds listed of each stored item (see ItemStore.addNewCountingDuplicates),
 * as items: the original's content as the copy's feed listed it and since it did.
 */
export async function readCopies(redis: RedisClient, keys: Keys, originals: Item[]): Promise<Item[][]> {
  if (originals.length === 0) return [];
  // Few items have copies: one look at the index spares a hash read per item (a command each on a cluster).
  const indexed = await redis.zmscore(keys.copiedItems(), originals.map((item) => item.id));
  const copied = originals.filter((_item, index) => indexed[index] !== null);
  const hashes = await readSpreadHashes(redis, copied.map((item) => keys.itemCopies(item.id)));
  const hashOf = new Map(copied.map((item, index) => [item.id, hashes[index]!]));
  return originals.map((original) => {
    const hash = hashOf.get(original.id) ?? {};
    // A feed that listed the entry again under another guid holds the original already.
    const copies = Object.values(hash).map((json) => JSON.parse(json) as ItemCopy).filter((copy) => copy.feedId !== original.feedId);
    // JSON leaves an absent field out: a copy without a section must not take the original's.
    return copies.map((copy): Item => ({ ...original, ...copy, section: copy.section }));
  });
}

/** Stored items by id in one MGET, in the order given; expired ones are left out. */
export async function readItems(redis: RedisClient, keys: Keys, ids: string[]): Promise<Item[]> {
  if (ids.length === 0) return [];
  const texts = await getAll(redis, ids.map((id) => keys.item(id)));
  return texts.flatMap((text) => (text === null ? [] : [JSON.parse(text) as Item]));
}

/**
 * Ingested items in Redis: each item as JSON with a ttl of the retention period, an index sorted
 * by publication time for composing briefings, and one marker per exact-duplicate key so an
 * entry seen in any feed is stored once (the other feeds that list it are kept as its copies).
 */
export class ItemStore {
  private readonly redis: RedisClient;
  private readonly retentionMs: number;

  constructor(
    redis: RedisClient,
    private readonly keys: Keys,
    options: ItemStoreOptions,
  ) {
    this.redis = withStoreScripts(redis);
    this.retentionMs = options.retentionDays * DAY_MS;
  }

  /**
   * Stores the items none of whose exact keys (guid, canonical URL, content hash) was seen
   * before, and returns them in input order. Each check-and-store is one atomic script, so two
   * workers adding the same entry at once store it once. Entries published before the retention
   * period are remembered as seen but neither stored nor returned: a new feed's archive is not news.
   */
  async addNew(items: Item[], now = new Date()): Promise<Item[]> {
    return (await this.addNewCountingDuplicates(items, now)).fresh;
  }

  /**
   * addNew, also counting the duplicates: entries whose guid, URL or content another item
   * claimed first (an entry a feed lists again is not one). A duplicate is not stored, but is
   * recorded as a copy of the item it duplicates (see readCopies); `copied` names the items
   * that gained a copy from these items' feed just now, as their stories may now reach that
   * feed's followers (breaking news) though no item was added to them.
   */
  async addNewCountingDuplicates(items: Item[], now = new Date()): Promise<{ fresh: Item[]; duplicates: number; copied: string[] }> {
    if (items.length === 0) return { fresh: [], duplicates: 0, copied: [] };
    const ttl = String(Math.ceil(this.retentionMs / 1000));
    const oldestKept = now.getTime() - this.retentionMs;
    const claims: Claim[] = items.map((item) => ({ item, markers: [...new Set(exactKeys(item).map((key) => this.keys.seen(key)))].sort(), next: 0, claimedAny: false }));
    // Copies within the batch: the first one listed is the original, whatever the markers' order.
    const firstWith = new Map<string, string>();
    for (const claim of claims) {
      claim.owner = claim.markers.map((marker) => firstWith.get(marker)).find((owner) => owner !== undefined);
      if (claim.owner === undefined) for (const marker of claim.markers) firstWith.set(marker, claim.item.id);
    }
    await this.claimMarkers(claims.filter((claim) => claim.owner === undefined), ttl);
    const duplicates = claims.filter((claim) => claim.owner !== undefined && claim.owner !== claim.item.id);
    // A feed listing one entry twice in this batch (two guids, one link) holds the original
    // already: a copy of it would be written at every poll and never read (see readCopies).
    const batchFeedOf = new Map(items.map((item) => [item.id, item.feedId]));
    const copies = duplicates.filter(({ item, owner }) => batchFeedOf.get(owner!) !== item.feedId);
    // A duplicate's markers go to the item it duplicates, so what matches the copy matches the
    // original; the copy is recorded on it (its first sighting per feed), so it still counts for its feed.
    // Indexed at every sighting (NX keeps the first time), so a crash between the two writes heals at the next poll.
    const [recorded] = await Promise.all([
      Promise.all(copies.map(({ item, owner }) => this.redis.heraldHsetnxWithTtl(this.keys.itemCopies(owner!), item.feedId, JSON.stringify(copyOf(item)), ttl))),
      ...(copies.length > 0 ? [this.redis.zadd(this.keys.copiedItems(), 'NX', ...copies.flatMap(({ owner }) => [now.getTime(), owner!]))] : []),
      ...duplicates.flatMap(({ item, markers, owner }) => markers.map((marker) => this.redis.heraldHandOverMarker(marker, item.id, owner!, ttl))),
    ]);
    const copied = [...new Set(copies.filter((_copy, index) => recorded[index] === 1).map(({ owner }) => owner!))];
    // Only an item that claimed a marker just now is new: one whose markers were all its own already was seen before.
    const keep = claims.filter((claim) => claim.owner === undefined && claim.claimedAny && Date.parse(claim.item.publishedAt) >= oldestKept);
    const added = await Promise.all(keep.map(({ item }) => this.store(item, ttl)));
    const fresh = new Set(keep.filter((_claim, index) => added[index]).map(({ item }) => item));
    return { fresh: items.filter((item) => fresh.has(item)), duplicates: duplicates.length, copied };
  }

  /**
   * Claims each item's seen markers (one per exact key, see exactKeys), or finds the item that
   * holds one. A cluster spreads the markers of one item over many slots, so no one script can
   * check and claim them all at once; instead each item claims its markers one at a time in
   * the order of their names and stops at the first held by another item, which it then
   * duplicates. Copies racing meet at the first marker they share, where exactly one wins, so
   * of a set of copies one is always stored. The first round also looks at (and refreshes)
   * every other marker, so an entry a feed keeps listing costs one round trip.
   */
  private async claimMarkers(claims: Claim[], ttl: string): Promise<void> {
    const firstLook = await Promise.all(claims.map(({ item, markers }) => Promise.all(markers.map((marker, index) => this.redis.heraldClaimMarker(marker, item.id, ttl, index === 0 ? '1' : '0')))));
    claims.forEach((claim, index) => {
      const looks = firstLook[index]!;
      claim.owner = looks.map(([holder]) => holder).find((holder) => holder !== '' && holder !== claim.item.id);
      claim.claimedAny = looks.some(([, claimedNow]) => claimedNow === 1);
      const unheld = looks.findIndex(([holder]) => holder === '');
      claim.next = claim.owner === undefined && unheld !== -1 ? unheld : claim.markers.length;
    });
    for (;;) {
      const pending = claims.filter((claim) => claim.next < claim.markers.length);
      if (pending.length === 0) return;
      const replies = await Promise.all(pending.map(({ item, markers, next }) => this.redis.heraldClaimMarker(markers[next]!, item.id, ttl, '1')));
      pending.forEach((claim, index) => {
        const [holder, claimedNow] = replies[index]!;
        claim.claimedAny ||= claimedNow === 1;
        if (holder === claim.item.id) claim.next += 1;
        else [claim.owner, claim.next] = [holder, claim.markers.length];
      });
    }
  }

  /**
   * Stores a new item: into the index first, then the item itself (unless there already), so
   * no reader finds the item without its index entry. As when a worker dies between storing
   * an item and placing it into a story, a crash between claiming the markers and this loses
   * the item.
   */
  private async store(item: Item, ttl: string): Promise<boolean> {
    await this.redis.zadd(this.keys.itemsByPublished(), Date.parse(item.publishedAt), item.id);
    return (await this.redis.set(this.keys.item(item.id), JSON.stringify(item), 'EX', ttl, 'NX')) === 'OK';
  }

  /** Items by id, in the order asked; ids whose item expired are left out. */
  async getMany(ids: string[]): Promise<Item[]> {
    return readItems(this.redis, this.keys, ids);
  }

  /** Items published in [from, to], oldest first. */
  async inWindow(from: Date, to: Date): Promise<Item[]> {
    const ids = await this.redis.zrangebyscore(this.keys.itemsByPublished(), from.getTime(), to.getTime());
    return this.getMany(ids);
  }

  /**
   * Housekeeping: drops index entries published before the retention period (the items
   * themselves expire by ttl), and copied-item entries recorded before it (by then their items
   * have expired, but for the moment between an item's claim and its store). Returns how many
   * entries of the first index were dropped.
   */
  async trimIndex(now = new Date()): Promise<number> {
    const before = `(${now.getTime() - this.retentionMs}`;
    const [dropped] = await Promise.all([this.redis.zremrangebyscore(this.keys.itemsByPublished(), '-inf', before), this.redis.zremrangebyscore(this.keys.copiedItems(), '-inf', before)]);
    return dropped;
  }
}
