import type { RedisClient } from './client.js';
import { exactKeys } from '../dedup/exact-keys.js';
import type { Item } from '../feeds/item.js';
import type { Keys } from './keys.js';
import { getAll, readSpreadHashes } from './pipeline.js';
import { pendingValue, readPending, withStoreScripts } from './scripts.js';

const DAY_MS = 86_400_000;

/**
 * How long a poll may hold items pending (see ItemStore) before another batch of the same items
 * takes it for stopped and hands them on again. Only the same feed lists the same item ids, and
 * its polls do not overlap (see PollQueue): the next one starts when this one has ended (at the
 * feed's next slot, a minute at the least) or its lease has lapsed (longer than this grace), so
 * it always finds a stopped or overrunning poll's items past the grace and hands them on again
 * (the story engine places each once, under its clustering lock). What the grace keeps from
 * returning an item twice is two batches within a minute: two callers of addNew at once, or a
 * poll asked for (a refresh) right after a failed one, which leaves the items to the poll after it.
 */
const PENDING_GRACE_MS = 60_000;

/** One item's progress through claiming its seen markers. */
interface Claim {
  item: Item;
  /** Its markers' keys, in the order they are claimed. */
  markers: string[];
  /** Index of the next marker to claim. */
  next: number;
  /** Whether it may be stored (published within the retention period): only then does it claim markers pending. */
  storable: boolean;
  /** Whether it claimed a marker nobody held. */
  claimedAny: boolean;
  /** Its markers that it holds pending (see pendingValue): claimed so just now, or left so by an earlier poll. */
  pending: string[];
  /** Whether an earlier poll claimed a marker of it and stopped before handing it on. */
  leftPending: boolean;
  /** The item holding one of its markers, when another. */
  owner?: string | undefined;
}

/** What storing a batch of items did, and what is left to do once they are handed on. */
export interface Intake {
  /** The items to hand on (place into stories): new ones, and those an earlier poll stored or claimed and never handed on. */
  fresh: Item[];
  /** Entries whose guid, URL or content another item claimed first. */
  duplicates: number;
  /** Items that gained a copy from these items' feed, recorded now or by an earlier poll that never alerted it. */
  copied: string[];
  /** Records that `fresh` and `copied` were handed on: until then, the next batch of the same items returns them again. */
  settle(): Promise<void>;
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

/** A copy's entry in unalertedCopies: its feed and the stored item it copies. */
const copyEntry = (feedId: string, originalId: string) => JSON.stringify([feedId, originalId]);

function readCopyEntry(entry: string): { feedId: string; originalId: string } {
  const [feedId, originalId] = JSON.parse(entry) as [string, string];
  return { feedId, originalId };
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
    // A feed that listed the entry again under another guid holds the original already. A copy not yet alerted reads the same.
    const copies = Object.values(hash).map((json) => JSON.parse(readPending(json).value) as ItemCopy).filter((copy) => copy.feedId !== original.feedId);
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
 *
 * Nothing is lost to a poll that stops half-way (its worker dies, Redis fails, placing throws):
 * an item claims its markers pending (its id marked with the poll's time, see pendingValue) and
 * they stay so until the poll has handed the item on (Intake.settle); a later batch holding the
 * item (the feed's next poll) finds the mark in the replies of the claim it makes anyway, stores
 * the item if it was not, and returns it again. A copy is recorded pending the same way until
 * alerted. So what was stored or claimed is handed on at least once, and whoever takes it must
 * take it again without harm (the story engine does; breaking alerts are kept to one per story
 * and chat). An item stored and never handed on is also listed for housekeeping (leftUnplaced),
 * for a feed that does not list it again, and so is a copy recorded and never alerted
 * (leftUnalerted); an item claimed and never stored only its feed brings back.
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
   * before, and returns them in input order, as handed on at once: for a caller that places
   * them itself, or not at all. Each check-and-store is one atomic script, so two workers adding
   * the same entry at once store it once. Entries published before the retention period are
   * remembered as seen but neither stored nor returned: a new feed's archive is not news.
   */
  async addNew(items: Item[], now = new Date()): Promise<Item[]> {
    const intake = await this.addNewCountingDuplicates(items, now);
    await intake.settle();
    return intake.fresh;
  }

  /**
   * addNew, also counting the duplicates: entries whose guid, URL or content another item
   * claimed first (an entry a feed lists again is not one). A duplicate is not stored, but is
   * recorded as a copy of the item it duplicates (see readCopies); `copied` names the items
   * that gained a copy from these items' feed, as their stories may now reach that feed's
   * followers (breaking news) though no item was added to them. The caller settles the intake
   * once it has handed `fresh` and `copied` on; until then they are returned again (see the class).
   */
  async addNewCountingDuplicates(items: Item[], now = new Date()): Promise<Intake> {
    if (items.length === 0) return { fresh: [], duplicates: 0, copied: [], settle: async () => undefined };
    const ttl = String(Math.ceil(this.retentionMs / 1000));
    const oldestKept = now.getTime() - this.retentionMs;
    const claims: Claim[] = items.map((item) => ({
      item,
      markers: this.markersOf(item),
      next: 0,
      storable: Date.parse(item.publishedAt) >= oldestKept,
      claimedAny: false,
      pending: [],
      leftPending: false,
    }));
    // Copies within the batch: the first one listed is the original, whatever the markers' order.
    const firstWith = new Map<string, string>();
    for (const claim of claims) {
      claim.owner = claim.markers.map((marker) => firstWith.get(marker)).find((owner) => owner !== undefined);
      if (claim.owner === undefined) for (const marker of claim.markers) firstWith.set(marker, claim.item.id);
    }
    await this.claimMarkers(claims.filter((claim) => claim.owner === undefined), ttl, now.getTime());
    const duplicates = claims.filter((claim) => claim.owner !== undefined && claim.owner !== claim.item.id);
    // A feed listing one entry twice in this batch (two guids, one link) holds the original
    // already: a copy of it would be written at every poll and never read (see readCopies).
    const batchFeedOf = new Map(items.map((item) => [item.id, item.feedId]));
    const copies = duplicates.filter(({ item, owner }) => batchFeedOf.get(owner!) !== item.feedId);
    // Listed before they are recorded, for housekeeping to hand on should the poll stop before
    // alerting them and the feed not list them again (see leftUnalerted). Whether a copy is new
    // shows only as it is recorded, so every copy seen is listed.
    const copyEntryOf = ({ item, owner }: Claim) => copyEntry(item.feedId, owner!);
    const copyEntries = [...new Set(copies.map(copyEntryOf))];
    if (copyEntries.length > 0) await this.redis.zadd(this.keys.unalertedCopies(), ...copyEntries.flatMap((entry) => [now.getTime(), entry]));
    // A duplicate's markers go to the item it duplicates, so what matches the copy matches the
    // original; the copy is recorded on it (its first sighting per feed), so it still counts for its feed.
    // Indexed at every sighting (NX keeps the first time), so a crash between the two writes heals at the next poll.
    const [recorded] = await Promise.all([
      Promise.all(copies.map(({ item, owner }) => this.redis.heraldRecordCopy(this.keys.itemCopies(owner!), item.feedId, pendingValue(JSON.stringify(copyOf(item)), now.getTime()), ttl, now.getTime() - PENDING_GRACE_MS))),
      ...(copies.length > 0 ? [this.redis.zadd(this.keys.copiedItems(), 'NX', ...copies.flatMap(({ owner }) => [now.getTime(), owner!]))] : []),
      ...duplicates.flatMap(({ item, markers, owner }) => markers.map((marker) => this.redis.heraldHandOverMarker(marker, item.id, owner!, ttl))),
    ]);
    const unalerted = copies.filter((_copy, index) => recorded[index] === 1);
    // Taken out with the intake: the copies alerted now or before. One another poll recorded within
    // the grace (2) is that poll's to alert, or, should it have failed, a later poll's or
    // housekeeping's: it stays listed, or a feed that then drops the entry loses its alert.
    const handedOnEntries = [...new Set(copies.filter((_copy, index) => recorded[index] !== 2).map(copyEntryOf))];
    // New: it claimed a marker just now (one whose markers were all its own already was seen before) and stored it.
    // Left pending by an earlier poll: stored by it (or now), never handed on.
    const keep = claims.filter((claim) => claim.owner === undefined && (claim.claimedAny || claim.leftPending) && claim.storable);
    // Listed as unplaced before they are stored, for housekeeping to hand on should the feed not list them again (see leftUnplaced).
    const keptIds = keep.map(({ item }) => item.id);
    const [, added] = await Promise.all([
      keep.length > 0 ? this.redis.zadd(this.keys.unplacedItems(), ...keptIds.flatMap((id) => [now.getTime(), id])) : undefined,
      Promise.all(keep.map(({ item }) => this.store(item, ttl))),
    ]);
    const fresh = new Set(keep.filter((claim, index) => added[index] || claim.leftPending).map(({ item }) => item));
    // Every pending marker is settled with the intake; those of items not handed on (an entry
    // edited into a new content hash claims one, and was stored before) need no more than that.
    const pending = claims.filter((claim) => claim.owner === undefined).flatMap(({ item, pending: markers }) => markers.map((marker) => [marker, item.id] as const));
    return {
      fresh: items.filter((item) => fresh.has(item)),
      duplicates: duplicates.length,
      copied: [...new Set(unalerted.map(({ owner }) => owner!))],
      settle: async () => {
        await Promise.all([
          // Only where the item still holds it pending: a batch of a copy may have handed it over since.
          ...pending.map(([marker, id]) => this.redis.heraldSettleMarker(marker, id, ttl)),
          ...unalerted.map(({ item, owner }) => this.redis.heraldSettleCopy(this.keys.itemCopies(owner!), item.feedId)),
          ...(keptIds.length > 0 ? [this.redis.zrem(this.keys.unplacedItems(), ...keptIds)] : []),
          ...(handedOnEntries.length > 0 ? [this.redis.zrem(this.keys.unalertedCopies(), ...handedOnEntries)] : []),
        ]);
      },
    };
  }

  /**
   * Housekeeping: the stored items that a poll recorded copies of before `before` and stopped
   * before alerting, which their feed's next poll has not alerted either (the feed may no longer
   * list them), to hand on now (their stories alerted: see PollFeedDeps.onCopies); settle()
   * records the copies alerted. A copy alerted meanwhile is only alerted again, which sends
   * nothing twice (breaking alerts are kept to one per story and chat).
   */
  async leftUnalerted(before: Date): Promise<{ originalIds: string[]; settle(): Promise<void> }> {
    const entries = await this.redis.zrangebyscore(this.keys.unalertedCopies(), '-inf', before.getTime());
    const copies = entries.map(readCopyEntry);
    return {
      originalIds: [...new Set(copies.map(({ originalId }) => originalId))],
      settle: async () => {
        if (entries.length === 0) return;
        await Promise.all([
          ...copies.map(({ feedId, originalId }) => this.redis.heraldSettleCopy(this.keys.itemCopies(originalId), feedId)),
          this.redis.zrem(this.keys.unalertedCopies(), ...entries),
        ]);
      },
    };
  }

  /**
   * Housekeeping: the items a poll stored before `before` and stopped before handing on, which
   * their feed's next poll has not handed on either (it may be a day away, or never come: the
   * feed removed, or no longer listing them), to hand on now; settle() records them handed on.
   * An item expired meanwhile is only forgotten. What a poll claimed and never stored is not
   * among them: only its feed listing it again brings it back.
   */
  async leftUnplaced(before: Date): Promise<{ items: Item[]; settle(): Promise<void> }> {
    const ids = await this.redis.zrangebyscore(this.keys.unplacedItems(), '-inf', before.getTime());
    const items = await this.getMany(ids);
    const ttl = String(Math.ceil(this.retentionMs / 1000));
    return {
      items,
      settle: async () => {
        if (ids.length === 0) return;
        await Promise.all([
          ...items.flatMap((item) => this.markersOf(item).map((marker) => this.redis.heraldSettleMarker(marker, item.id, ttl))),
          this.redis.zrem(this.keys.unplacedItems(), ...ids),
        ]);
      },
    };
  }

  /** An item's seen markers (one per exact key, see exactKeys), in the order they are claimed. */
  private markersOf(item: Item): string[] {
    return [...new Set(exactKeys(item).map((key) => this.keys.seen(key)))].sort();
  }

  /**
   * Claims each item's seen markers (one per exact key, see exactKeys), or finds the item that
   * holds one. A cluster spreads the markers of one item over many slots, so no one script can
   * check and claim them all at once; instead each item claims its markers one at a time in
   * the order of their names and stops at the first held by another item, which it then
   * duplicates. Copies racing meet at the first marker they share, where exactly one wins, so
   * of a set of copies one is always stored. The first round also looks at (and refreshes)
   * every other marker, so an entry a feed keeps listing costs one round trip, and an item an
   * earlier poll left pending shows in its replies. A storable item claims its markers pending.
   */
  private async claimMarkers(claims: Claim[], ttl: string, now: number): Promise<void> {
    const claimAs = ({ item, storable }: Claim) => (storable ? pendingValue(item.id, now) : item.id);
    /** Takes in a marker's value: the item holding it, else the claim's (with its pending mark, and whether just claimed). */
    const read = (claim: Claim, marker: string, value: string, claimedNow: number): string | undefined => {
      const { value: holder, pendingSince } = readPending(value);
      if (holder !== claim.item.id) return holder;
      claim.claimedAny ||= claimedNow === 1;
      // A mark another poll wrote lately is that poll's to settle: it is still handing the item on.
      const left = claimedNow === 0 && pendingSince !== undefined && pendingSince < now - PENDING_GRACE_MS;
      claim.leftPending ||= left;
      if (claimedNow === 1 ? pendingSince !== undefined : left) claim.pending.push(marker);
      return undefined;
    };
    const firstLook = await Promise.all(claims.map((claim) => Promise.all(claim.markers.map((marker, index) => this.redis.heraldClaimMarker(marker, claimAs(claim), ttl, index === 0 ? '1' : '0')))));
    claims.forEach((claim, index) => {
      const looks = firstLook[index]!;
      const others = looks.map(([value, claimedNow], marker) => (value === '' ? undefined : read(claim, claim.markers[marker]!, value, claimedNow)));
      claim.owner = others.find((holder) => holder !== undefined);
      const unheld = looks.findIndex(([value]) => value === '');
      claim.next = claim.owner === undefined && unheld !== -1 ? unheld : claim.markers.length;
    });
    for (;;) {
      const waiting = claims.filter((claim) => claim.next < claim.markers.length);
      if (waiting.length === 0) return;
      const replies = await Promise.all(waiting.map((claim) => this.redis.heraldClaimMarker(claim.markers[claim.next]!, claimAs(claim), ttl, '1')));
      waiting.forEach((claim, index) => {
        const [value, claimedNow] = replies[index]!;
        const other = read(claim, claim.markers[claim.next]!, value, claimedNow);
        if (other === undefined) claim.next += 1;
        else [claim.owner, claim.next] = [other, claim.markers.length];
      });
    }
  }

  /**
   * Stores an item (again, for one an earlier poll left pending: then it is there already, or
   * that poll stopped before storing it): into the index first, then the item itself (unless
   * there already), so no reader finds the item without its index entry. Returns whether stored now.
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
