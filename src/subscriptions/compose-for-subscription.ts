import type { RedisClient } from '../store/client.js';
import { briefStories } from '../briefing/build.js';
import type { Briefing } from '../briefing/model.js';
import type { HeraldConfig } from '../config/schema.js';
import { applyDeliveryMemory } from '../dedup/delivery-memory.js';
import { renderAllPlatforms, type RenderOptions } from '../render/index.js';
import type { BriefingStore, StoredBriefing } from '../store/briefings.js';
import { deliveredStories, rememberDeliveredStories } from '../store/delivered-stories.js';
import type { FeedStore } from '../store/feeds.js';
import { storiesInWindow } from '../store/stories.js';
import type { SubscriptionStore } from '../store/subscriptions.js';
import type { SummaryHooks } from '../summarize/summarize.js';
import { bundleFamily, bundleKey, windowFor, type BriefingWindow } from './bundle.js';
import { storiesFollowed } from './follow.js';
import type { Subscription } from './model.js';
import type { ComposeCache } from './compose-cache.js';

/** What composing a subscription's briefing reads and writes. */
export interface ComposeDeps {
  redis: RedisClient;
  /** The store prefix (config.redis.prefix). */
  prefix: string;
  config: Pick<HeraldConfig, 'sections' | 'briefing' | 'llm' | 'defaults'>;
  subscriptions: SubscriptionStore;
  briefings: BriefingStore;
  /** For ranking weights of feeds; every feed weighs 1 without it. */
  feeds?: FeedStore;
  /** Shares window stories and feed weights between the compose jobs of this process. */
  cache?: ComposeCache;
  /** LLM summaries: the shared cache and the report's logging and metrics (see runtime/llm-summaries.ts). */
  summaries?: SummaryHooks;
}

async function feedWeights(deps: ComposeDeps): Promise<Record<string, number>> {
  const { feeds } = deps;
  if (!feeds) return {};
  const load = async () => Object.fromEntries((await feeds.list()).map((feed) => [feed.id, feed.weight]));
  return deps.cache ? deps.cache.feedWeights(load) : load();
}

/**
 * Composes the briefing of a window. Story memory is kept per bundle family (same feeds,
 * sections and settings), not per subscription: memory per subscription would give every
 * subscriber a different briefing and defeat compose-once. The window already makes each
 * subscriber's briefing new to them (a story shows up only when its newest item falls in the
 * window); memory only tells an updated story from a new one, which is the same for every
 * subscriber that has been receiving this family.
 */
async function composeWindow(subscription: Subscription, deps: ComposeDeps, window: BriefingWindow, record: boolean): Promise<Briefing | null> {
  const family = bundleFamily(subscription);
  const load = () => storiesInWindow(deps.redis, deps.prefix, window.from, window.to);
  const all = await (deps.cache ? deps.cache.storiesOf(window.from, window.to, load) : load());
  const inWindow = storiesFollowed(all, subscription, window.from);
  const stories = applyDeliveryMemory(inWindow, await deliveredStories(deps.redis, deps.prefix, family));
  const { settings } = subscription;
  const itemsIn = stories.reduce((sum, story) => sum + story.items.length, 0);
  // Exact duplicates were dropped when the items were stored; none reach a window.
  const { briefing, shown } = await briefStories(stories, { itemsIn, duplicatesDropped: 0 }, deps.config, {
    now: window.to,
    timezone: subscription.schedule.timezone,
    locale: settings.locale,
    maxBullets: settings.maxBullets,
    boosts: settings.boosts,
    mutes: settings.mutes,
    whenEmpty: settings.whenEmpty,
    feedWeights: await feedWeights(deps),
  }, deps.summaries);
  if (record) await rememberDeliveredStories(deps.redis, deps.prefix, family, shown);
  return briefing;
}

/**
 * The briefing rendered for every platform, so each delivery only reads its parts; scheduled
 * briefings and breaking alerts are stored alike.
 */
export function storedBriefing(id: string, briefing: Briefing | null, window: BriefingWindow, render: RenderOptions): StoredBriefing {
  return {
    id,
    briefing,
    parts: renderAllPlatforms(briefing, render),
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
  };
}

/**
 * The stored bundle of a subscription's window ending at `now`: composed, rendered and saved
 * by whichever job asks first, read by all the others (see BriefingStore.getOrCompose).
 */
export async function composeBundle(subscription: Subscription, deps: ComposeDeps, now: Date): Promise<StoredBriefing> {
  const window = windowFor(subscription, now);
  const id = bundleKey(subscription, window);
  return deps.briefings.getOrCompose(id, async () => {
    return storedBriefing(id, await composeWindow(subscription, deps, window, true), window, deps.config.briefing);
  });
}

/**
 * The briefing a subscription would get now (window: since its last briefing, first one 24 h);
 * `preview` = true composes without recording anything as delivered.
 */
export async function composeForSubscription(subscription: Subscription, deps: ComposeDeps, options: { now: Date; preview?: boolean }): Promise<Briefing | null> {
  if (options.preview) return composeWindow(subscription, deps, windowFor(subscription, options.now), false);
  const stored = await composeBundle(subscription, deps, options.now);
  await deps.subscriptions.setLastWindowEnd(subscription.id, new Date(stored.window.to));
  return stored.briefing;
}
