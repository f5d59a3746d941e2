import type { Feed, FeedState } from '../feeds/item.js';
import { subscriptionIdFor } from '../store/subscriptions.js';
import { defaultSubscription } from '../subscriptions/defaults.js';
import type { Subscription } from '../subscriptions/model.js';
import type { HandlerInput } from './handler.js';
import { refused } from './replies.js';
import type { CommandReply } from './types.js';

/** A new subscription of the command's target with the configured defaults (not stored). */
export function draftSubscription(input: HandlerInput): Subscription {
  return defaultSubscription(input.context.target, input.services.config, input.now, input.context.user.id);
}

/** The target's subscription, when it has one. */
export async function currentSubscription(input: HandlerInput): Promise<Subscription | undefined> {
  return input.services.subscriptions.get(subscriptionIdFor(input.context.target));
}

/** The reply to a change that needs a subscription the target does not have yet. */
export function notSubscribed(input: HandlerInput): CommandReply {
  return refused(`${input.context.targetLabel} has no briefing yet. Start one first, e.g.\n/subscribe 07:30 ${input.services.config.defaults.timezone}`);
}

/** Saves a changed subscription and brings its schedulers in line. */
export async function saveSubscription(input: HandlerInput, subscription: Subscription): Promise<void> {
  await input.services.subscriptions.upsert(subscription);
  await input.services.scheduling.subscriptionSaved(subscription);
}

export interface FeedWithState {
  feed: Feed;
  state: FeedState;
}

/**
 * The feeds a destination's briefing draws on, oldest first: every feed in the catalogue when it
 * follows everything (no subscription, or an empty feed list), else the ones it lists.
 */
export async function followedFeeds(input: HandlerInput, subscription: Subscription | undefined): Promise<FeedWithState[]> {
  const all = await input.services.feeds.listWithState();
  if (!subscription || subscription.feedIds.length === 0) return all;
  const followed = new Set(subscription.feedIds);
  return all.filter(({ feed }) => followed.has(feed.id));
}
