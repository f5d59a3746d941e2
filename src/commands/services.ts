import type { Briefing } from '../briefing/model.js';
import type { HeraldConfig } from '../config/schema.js';
import type { FetchOptions } from '../feeds/fetch.js';
import type { Feed } from '../feeds/item.js';
import type { PlatformName } from '../platforms/delivery.js';
import type { DeadLetterRetry } from '../store/deliveries.js';
import type { FeedStore } from '../store/feeds.js';
import type { Subscription } from '../subscriptions/model.js';

/** The subscription repository the commands use (store/subscriptions.ts `SubscriptionStore` fits it). */
export interface SubscriptionRepository {
  upsert(subscription: Subscription): Promise<unknown>;
  get(id: string): Promise<Subscription | undefined>;
  list(filter?: { platform?: PlatformName; active?: boolean }): Promise<Subscription[]>;
  remove(id: string): Promise<unknown>;
}

/** Keeps BullMQ's job schedulers in step with what the commands change in the store. */
export interface SchedulingPort {
  /** A feed entered the catalogue: schedule its polls and poll it once now. */
  feedAdded(feed: Feed): Promise<void>;
  feedRemoved(feedId: string): Promise<void>;
  /** A subscription was created or its schedule changed. */
  subscriptionSaved(subscription: Subscription): Promise<void>;
  subscriptionRemoved(subscriptionId: string): Promise<void>;
  /** When the next briefing of this subscription is due, when known. */
  nextBriefingAt(subscription: Subscription): Promise<Date | undefined>;
}

/** A delivery that failed for good and waits for an operator. */
export interface DeadLetterSummary {
  /** What an owner names to retry it. */
  id: string;
  subscriptionId?: string;
  reason: string;
  failedAt?: string;
}

/** Everything the command handlers need, wired by `createCommandServices` (services-wiring.ts) or by tests. */
export interface CommandServices {
  config: HeraldConfig;
  feeds: FeedStore;
  subscriptions: SubscriptionRepository;
  scheduling: SchedulingPort;
  /** Shared by every trial fetch (one per-host limiter per process). */
  fetchOptions: FetchOptions;
  /** The briefing a subscription would get now, not counted as delivered; null when its window is empty. */
  composePreview(subscription: Subscription, now: Date): Promise<Briefing | null>;
  /** Failed deliveries (for status); absent when the deployment keeps none. */
  deadLetters?(): Promise<DeadLetterSummary[]>;
  /** Puts a failed delivery back on the deliver queue (the `retry` command). */
  retryDeadLetter(id: string): Promise<DeadLetterRetry>;
  /** The clock (tests fix it). */
  now?(): Date;
}
