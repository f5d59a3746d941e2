/**
 * What `herald start` tells the operator once the schedulers are in place: how many feeds it
 * polls (a warning when none, since every briefing would be empty), and when each subscription's
 * next briefing goes out, in that subscription's own time zone.
 */
import type { Logger } from '../log.js';
import type { ComposeQueue } from '../queue/compose-jobs.js';
import { nextBriefingTimes } from '../queue/subscription-schedulers.js';
import type { FeedStore } from '../store/feeds.js';
import type { SubscriptionStore } from '../store/subscriptions.js';
import type { Subscription } from '../subscriptions/model.js';
import { isoInZone } from '../time/zoned.js';

/** Beyond this many subscriptions one line each would bury the rest of the start-up log. */
export const MAX_LISTED_SUBSCRIPTIONS = 20;

export interface StartupSummaryDeps {
  feeds: FeedStore;
  subscriptions: SubscriptionStore;
  composeQueue: ComposeQueue;
  logger: Logger;
}

const NO_FEEDS =
  'no feeds: every briefing will be empty. Add feeds under `feeds:` in herald.config.yaml, with /addfeed in a chat, or with `npx herald feeds import FILE.opml`';

/** "telegram -1001234 (thread 7)" */
function destinationLabel(subscription: Subscription): string {
  const { platform, chatId, threadId } = subscription.destination;
  return platform === 'console' ? 'this console' : `${platform} ${chatId}${threadId ? ` (thread ${threadId})` : ''}`;
}

async function logFeeds(deps: StartupSummaryDeps): Promise<void> {
  const feeds = await deps.feeds.listWithState();
  if (feeds.length === 0) {
    deps.logger.warn(NO_FEEDS);
    return;
  }
  const disabled = feeds.filter(({ state }) => state.disabledReason !== undefined).length;
  const polled = feeds.length - disabled;
  const disabledNote = disabled > 0 ? ` (${disabled} disabled after repeated failures: see /status or \`npx herald doctor\`)` : '';
  deps.logger.info({ feeds: feeds.length, polled, disabled }, `${feeds.length} feed${feeds.length === 1 ? '' : 's'} loaded, ${polled} polled${disabledNote}`);
}

async function logNextBriefings(deps: StartupSummaryDeps): Promise<void> {
  const active = await deps.subscriptions.list({ active: true });
  if (active.length === 0) {
    deps.logger.info('no subscriptions yet: /subscribe in a Telegram chat or /herald subscribe in a Discord channel');
    return;
  }
  const listed = active.slice(0, MAX_LISTED_SUBSCRIPTIONS);
  const next = await nextBriefingTimes(deps.composeQueue, listed);
  for (const subscription of listed) {
    const at = next.get(subscription.id);
    const { timezone } = subscription.schedule;
    const when = at ? `${isoInZone(at, timezone)} (${timezone})` : 'not scheduled';
    deps.logger.info({ subscription: subscription.id, nextBriefing: at?.toISOString() }, `next briefing for ${destinationLabel(subscription)}: ${when}`);
  }
  const unlisted = active.length - MAX_LISTED_SUBSCRIPTIONS;
  if (unlisted > 0) deps.logger.info({ subscriptions: active.length }, `…and ${unlisted} more subscriptions (the /status command shows each one's next briefing)`);
}

/** Logs the feeds loaded and each active subscription's next briefing time. */
export async function logStartupSummary(deps: StartupSummaryDeps): Promise<void> {
  await logFeeds(deps);
  await logNextBriefings(deps);
}
