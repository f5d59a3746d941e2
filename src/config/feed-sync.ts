import type { Feed, FeedState } from '../feeds/item.js';
import type { Logger } from '../log.js';
import { batchesOf } from '../batches.js';
import { newFeedState, type FeedStore } from '../store/feeds.js';
import type { HeraldConfig } from './schema.js';

/** Config feeds looked up and stored this many at a time (one HMGET, one script call of writes): 10,000 at once would hold them all in one reply. */
const SYNC_BATCH = 500;

/** What a start did to the catalogue to make it match the config's `feeds:`. */
export interface FeedSyncReport {
  /** Listed in the config and new to Herald. */
  added: Feed[];
  /** Listed in the config and already known (their settings now as configured). */
  kept: Feed[];
  /** Added by the config before and no longer listed: gone from the catalogue. */
  removed: Feed[];
  /** Added by the config before, no longer listed, but kept because the config lists no feed at all. */
  spared: Feed[];
  /** Every feed in the catalogue after the sync, with its poll state: what the poll schedule is synced with, without listing 10,000 feeds twice. */
  catalogue: { feed: Feed; state: FeedState }[];
}

/**
 * Makes the catalogue follow the config: every listed feed is added (or has its settings
 * updated) and belongs to the config from then on; a feed the config added and no longer lists
 * is removed. Feeds added in a chat or from OPML are left alone. A config that lists no feed at
 * all removes nothing: that is more likely a start without the config file (another directory,
 * a missing HERALD_CONFIG) than a wish to drop every feed.
 *
 * The feed records are read once, before the adding: the adding finds the known feeds in them,
 * and they are kept up to date as feeds are added and updated. After the adding the feed index
 * (ids only) says which feeds are there: one added or removed meanwhile by another process (a
 * chat's /add during a rolling restart) is read or dropped, as a listing then would.
 * The poll states are read at the end, for the poll schedule: a feed a worker polled, backed off
 * or disabled during the sync is scheduled as it is now, not as it was before the adding. A feed
 * this sync added has none to read: nothing polls it before it is scheduled.
 */
export async function syncConfigFeeds(config: Pick<HeraldConfig, 'feeds' | 'defaults'>, feeds: FeedStore, now = new Date()): Promise<FeedSyncReport> {
  const report: FeedSyncReport = { added: [], kept: [], removed: [], spared: [], catalogue: [] };
  const known = new Map((await feeds.list()).map((feed) => [feed.id, feed]));
  const listed = new Set<string>();
  for (const entries of batchesOf(config.feeds, SYNC_BATCH)) {
    const batch = entries.map((entry) => ({
      url: entry.url,
      settings: {
        intervalMinutes: entry.interval ?? config.defaults.interval,
        ...(entry.name !== undefined ? { name: entry.name } : {}),
        ...(entry.section !== undefined ? { section: entry.section } : {}),
        ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
      },
    }));
    const stored = await feeds.addMany(
      batch.map(({ url, settings }) => ({ url, ...settings, origin: 'config' })),
      now,
      (id) => known.get(id),
    );
    await Promise.all(
      stored.map(async ({ feed, created }, index) => {
        const { settings } = batch[index]!;
        listed.add(feed.id);
        if (created) {
          report.added.push(feed);
          known.set(feed.id, feed);
          return;
        }
        report.kept.push(feed);
        // A feed stored before origins were recorded and listed here is the config's; one added in a chat stays the chat's.
        const claimed = feed.origin === undefined;
        // A restart with the same config writes nothing.
        const changed = Object.entries(settings).some(([field, value]) => feed[field as keyof typeof settings] !== value);
        if (!claimed && !changed) return;
        const update = { ...settings, ...(claimed ? { origin: 'config' as const } : {}) };
        const updated = await feeds.update(feed.id, update);
        // Removed meanwhile: out of the catalogue. Stored after the records were read (not known): read with the index at the end.
        if (!updated) known.delete(feed.id);
        else if (known.has(feed.id)) known.set(feed.id, { ...feed, ...update });
      }),
    );
  }
  // The feed index after the adding, as a listing now would give it: a feed another process added meanwhile is read,
  // and removed as the others are when the config added it and lists it no more; one removed meanwhile is out.
  const ids = await feeds.ids();
  for (const feed of await feeds.records(ids.filter((id) => !known.has(id)))) if (feed) known.set(feed.id, feed);
  const listing = ids.flatMap((id) => known.get(id) ?? []);
  const unlisted = listing.filter((feed) => feed.origin === 'config' && !listed.has(feed.id));
  if (config.feeds.length === 0) report.spared = unlisted;
  else for (const feed of unlisted) if (await feeds.remove(feed.id)) report.removed.push(feed);
  // Out of the catalogue whether this sync removed it or another process did meanwhile.
  const gone = new Set(config.feeds.length === 0 ? [] : unlisted.map((feed) => feed.id));
  const remaining = listing.filter((feed) => !gone.has(feed.id));
  const added = new Set(report.added.map((feed) => feed.id));
  const polled = remaining.filter((feed) => !added.has(feed.id));
  const states = new Map((await feeds.states(polled.map((feed) => feed.id))).map((state, index) => [polled[index]!.id, state]));
  const catalogue = remaining.map((feed) => ({ feed, state: states.get(feed.id) ?? newFeedState() }));
  return { ...report, catalogue };
}

/** One line per removed feed and a summary, so a start says what it changed in the catalogue. */
export function logFeedSync(report: FeedSyncReport, logger: Logger): void {
  for (const feed of report.removed) {
    logger.info({ feedId: feed.id, url: feed.url }, `feed removed: ${feed.name ?? feed.url} is no longer listed in the config`);
  }
  if (report.spared.length > 0) {
    logger.warn(
      { feeds: report.spared.map((feed) => feed.url) },
      `the config lists no feeds: the ${report.spared.length} it listed before are kept. Remove them with \`herald feeds remove URL\`, or list them again`,
    );
  }
  logger.info({ added: report.added.length, kept: report.kept.length, removed: report.removed.length }, `config feeds in place: ${report.added.length} added, ${report.kept.length} kept, ${report.removed.length} removed`);
}
