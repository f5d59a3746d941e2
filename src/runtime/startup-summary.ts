/**
 * What `herald start` tells the operator once the schedulers are in place: how many feeds it
 * polls (a warning when none, since every briefing would be empty), and when each subscription's
 * next briefing goes out, in that subscription's own time zone.
 */
import type { Logger } from '../log.js';
import type { ComposeQueue } from '../queue/compose-jobs.js';
import { nextBriefingTimes } from '../queue/subscription-schedulers.js';
import type { FeedState } from '../feeds/item.js';
import type { Subscription } from '../subscriptions/model.js';
import { isoInZone } from '../time/zoned.js';

/** Beyond this many subscriptions one line each would bury the rest of the start-up log. */
export const MAX_LISTED_SUBSCRIPTIONS = 20;

const NO_FEEDS =
  'no feeds: every briefing will be empty. Add feeds under `feeds:` in herald.config.yaml, with /addfeed in a chat, or with `npx herald feeds import FILE.opml`';

/** "telegram -1001234 (thread 7)" */
function destinationLabel(subscription: Subscription): string {
  const { platform, chatId, threadId } = subscription.destination;
  return platform === 'console' ? 'this console' : `${platform} ${chatId}${threadId ? ` (thread ${threadId})` : ''}`;
}

/** How many feeds are in the catalogue, and how many of them are disabled. */
export interface FeedCounts {
  total: number;
  disabled: number;
}

/** Counts the feeds of a catalogue listing (FeedStore.listWithState). */
export function countFeeds(feeds: readonly { state: FeedState }[]): FeedCounts {
  return { total: feeds.length, disabled: feeds.filter(({ state }) => state.disabledReason !== undefined).length };
}

/** Logs how many feeds are loaded and polled (a warning when there are none). */
export function logFeedSummary({ total, disabled }: FeedCounts, logger: Logger): void {
  if (total === 0) {
    logger.warn(NO_FEEDS);
    return;
  }
  const polled = total - disabled;
  const disabledNote = disabled > 0 ? ` (${disabled} disabled after repeated failures: see /status or \`npx herald doctor\`)` : '';
  logger.info({ feeds: total, polled, disabled }, `${total} feed${total === 1 ? '' : 's'} loaded, ${polled} polled${disabledNote}`);
}

/** What the start-up log tells of the active subscriptions: how many, and the first MAX_LISTED_SUBSCRIPTIONS of them. */
export interface ActiveSubscriptions {
  count: number;
  listed: Subscription[];
}

/**
 * Keeps of the active subscriptions only what the start-up log needs: the process holds the
 * scheduler start's outcome as long as it runs, and 10,000 subscriptions are about 5 MB of heap.
 */
export function summarizeActive(active: readonly Subscription[]): ActiveSubscriptions {
  return { count: active.length, listed: active.slice(0, MAX_LISTED_SUBSCRIPTIONS) };
}

/** Logs each listed active subscription's next briefing, once their schedulers are in place. */
export async function logNextBriefings(deps: { active: ActiveSubscriptions; composeQueue: ComposeQueue; logger: Logger }): Promise<void> {
  const { count, listed } = deps.active;
  if (count === 0) {
    deps.logger.info('no subscriptions yet: /subscribe in a Telegram chat or /herald subscribe in a Discord channel');
    return;
  }
  const next = await nextBriefingTimes(deps.composeQueue, listed);
  for (const subscription of listed) {
    const at = next.get(subscription.id);
    const { timezone } = subscription.schedule;
    const when = at ? `${isoInZone(at, timezone)} (${timezone})` : 'not scheduled';
    deps.logger.info({ subscription: subscription.id, nextBriefing: at?.toISOString() }, `next briefing for ${destinationLabel(subscription)}: ${when}`);
  }
  const unlisted = count - listed.length;
  if (unlisted > 0) deps.logger.info({ subscriptions: count }, `…and ${unlisted} more subscriptions (the /status command shows each one's next briefing)`);
}
