import type { RedisClient } from '../store/client.js';
import { briefStories } from '../briefing/build.js';
import type { QuietFigures } from '../briefing/labels.js';
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
import { localDate } from '../time/zoned.js';
import { bundleFamily, bundleKey, windowFor, type BriefingWindow } from './bundle.js';
import { storiesNewIn } from './follow.js';
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

const HOUR_MS = 3_600_000;
/** The end of the time a JavaScript Date can hold: an upper bound that takes every story. */
const LATEST_DATE = new Date(8.64e15);

/** What the subscription's feeds held at their last read, for a briefing with nothing new to say so. */
async function quietFigures(subscription: Subscription, feeds: FeedStore, window: BriefingWindow): Promise<QuietFigures> {
  const followed = (await feeds.listWithState()).filter(
    ({ feed }) =>
      (subscription.feedIds.length === 0 || subscription.feedIds.includes(feed.id)) &&
      (subscription.sections.length === 0 || (feed.section !== undefined && subscription.sections.includes(feed.section))),
  );
  const read = followed.filter(({ state }) => state.lastSuccessAt !== undefined);
  const newest = Math.max(...read.map(({ state }) => Date.parse(state.newestEntryAt ?? '')).filter((time) => !Number.isNaN(time)));
  return {
    feeds: followed.length,
    read: read.length,
    entries: read.reduce((sum, { state }) => sum + (state.entryCount ?? 0), 0),
    ...(Number.isFinite(newest) ? { newest: localDate(new Date(newest), subscription.schedule.timezone) } : {}),
    ...(subscription.lastWindowEnd === undefined ? { firstWindowHours: Math.round((window.to.getTime() - window.from.getTime()) / HOUR_MS) } : {}),
  };
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
  const maxAgeMs = deps.config.briefing.maxItemAgeHours * HOUR_MS;
  // An item new in the window was published at most maxAgeMs before it, so its story's newest item too.
  const load = () => storiesInWindow(deps.redis, deps.prefix, new Date(window.from.getTime() - maxAgeMs), LATEST_DATE);
  const all = await (deps.cache ? deps.cache.storiesOf(window.from, window.to, load) : load());
  const inWindow = storiesNewIn(all, subscription, window, maxAgeMs);
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
    ...(stories.length === 0 && deps.feeds ? { quiet: await quietFigures(subscription, deps.feeds, window) } : {}),
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
