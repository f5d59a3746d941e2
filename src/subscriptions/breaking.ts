import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../store/client.js';
import { composeBriefing } from '../briefing/compose.js';
import type { Briefing } from '../briefing/model.js';
import { storySources, type Story } from '../dedup/story.js';
import { deliveryJobId, queueDelivery, type DeliverQueue } from '../queue/deliver-jobs.js';
import type { RenderOptions } from '../render/index.js';
import type { BriefingStore } from '../store/briefings.js';
import { isPlaceholderStory } from '../summarize/placeholder.js';
import type { Keys } from '../store/keys.js';
import { readPending, withStoreScripts } from '../store/scripts.js';
import { storiesByIds } from '../store/stories.js';
import type { SubscriptionStore } from '../store/subscriptions.js';
import { storedBriefing } from './compose-for-subscription.js';
import { isNewIn, storiesFollowed } from './follow.js';
import type { Subscription } from './model.js';

/** A story is alerted to a subscription at most once; the marker outlives the story (kept a week). */
const ALERTED_TTL_S = 8 * 86_400;

/**
 * Stories that reach the subscription's breaking threshold, counting only the sources it follows.
 * A story of placeholders alone ("速報 / 続報をお待ちください。") has nothing to alert yet and
 * would compose to no bullet: it is left for the first report with facts to raise the alert.
 */
export function breakingStories(stories: Story[], subscription: Pick<Subscription, 'feedIds' | 'sections' | 'breakingMinSources'>): Story[] {
  const minSources = subscription.breakingMinSources;
  if (minSources === undefined) return [];
  return storiesFollowed(stories, subscription, new Date(0)).filter((story) => storySources(story).length >= minSources && !isPlaceholderStory(story.items));
}

/**
 * The ❗️ alert for one story: a one-bullet briefing titled with the story's headline, dated in
 * the subscriber's zone.
 */
export function breakingBriefing(story: Story, subscription: Pick<Subscription, 'schedule' | 'settings'>, now: Date): Briefing {
  const briefing = composeBriefing([story], new Map(), { itemsIn: story.items.length, duplicatesDropped: 0 }, {
    now,
    timezone: subscription.schedule.timezone,
    locale: subscription.settings.locale,
    maxBullets: 1,
    importantMinSources: 1,
    whenEmpty: 'message',
  });
  const bullet = briefing?.sections[0]?.bullets[0];
  if (!briefing || !bullet) throw new Error(`story ${story.id} gave no bullet`);
  return { ...briefing, title: `❗️ ${bullet.headline}`, footer: undefined };
}

/**
 * Alerts are shared by subscribers who read them alike: same story as they follow it (the same
 * items, or copies of them, and the same other followed listings credited: see storiesFollowed),
 * zone and locale. A chat following other feeds of the story gets an alert of its own, crediting
 * and linking the feeds it follows.
 */
export function breakingBriefingId(story: Pick<Story, 'id' | 'items' | 'copies'>, subscription: Pick<Subscription, 'schedule' | 'settings'>): string {
  const read: unknown[] = [story.id, story.items.map((item) => item.id), subscription.schedule.timezone, subscription.settings.locale];
  // Only when some are credited, so a story without keeps the id it had before copies were credited.
  if (story.copies !== undefined) read.push(story.items.map((item) => (story.copies?.[item.id] ?? []).map((copy) => copy.feedId)));
  const hash = createHash('sha256').update(JSON.stringify(read)).digest('base64url');
  return `brk${hash.slice(0, 24).replaceAll('-', '_')}`;
}

export interface BreakingDeps {
  redis: RedisClient;
  keys: Keys;
  subscriptions: SubscriptionStore;
  briefings: BriefingStore;
  deliverQueue: DeliverQueue;
  /**
   * The config's `briefing.linkPreviews` and `discordStyle`, as briefings are rendered with; a
   * subscription's own link-preview choice is applied when the alert is delivered.
   */
  render: RenderOptions;
  /** The config's `briefing.maxItemAgeHours`: what is news (see isNewIn). */
  maxItemAgeHours: number;
}

const HOUR_MS = 3_600_000;

/**
 * An alert is claimed pending and settled once fanned out, in seconds. One still pending after
 * this was left by a worker that died or failed in between, and is taken over; taking over one
 * still under way sends nothing twice either (it queues the same delivery job id: see deliveryJobId).
 */
const ALERT_PENDING_GRACE_MS = 5 * 60_000;

/** Whether an alert's marker, as read, leaves the alert to claim: unheld, or pending since before `staleBefore`. */
function claimable(held: string | null, staleBefore: number): boolean {
  if (held === null) return true;
  const { pendingSince } = readPending(held);
  return pendingSince !== undefined && pendingSince < staleBefore;
}

/** The story an entry of breakingClaimed lists (see listAlertCheck). */
const storyOfEntry = (entry: string) => entry.slice(entry.indexOf(':') + 1);

/** The alerts of these stories due now to these subscriptions (as listAlertCheck read them): fanned out, and the stories whose alerts failed, with the failure. */
async function sendAlerts(storyIds: string[], subscriberIds: string[], deps: BreakingDeps, now: Date): Promise<{ alerts: number; failed: Map<string, unknown> }> {
  const failed = new Map<string, unknown>();
  const subscriptions = await deps.subscriptions.listBreaking(subscriberIds);
  if (subscriptions.length === 0) return { alerts: 0, failed };
  const redis = withStoreScripts(deps.redis);
  const stories = await storiesByIds(redis, deps.keys.prefix, storyIds);
  const maxAgeMs = deps.maxItemAgeHours * HOUR_MS;
  const recent = { from: new Date(now.getTime() - maxAgeMs), to: now };
  // A story made breaking only by old entries (a new feed's archive, or another feed listing
  // them days later: copies) is not news now; its marker is left for a report that is.
  const due = subscriptions.flatMap((subscription) =>
    breakingStories(stories, subscription)
      .filter((story) => story.items.some((item) => isNewIn(item, recent, maxAgeMs)))
      .map((story) => ({ subscription, story, marker: deps.keys.breakingAlerted(subscription.id, story.id) })),
  );
  if (due.length === 0) return { alerts: 0, failed };
  const staleBefore = now.getTime() - ALERT_PENDING_GRACE_MS;
  // A story keeps growing long after its alert: one look at all its markers spares claiming each again in turn.
  const held = await Promise.all(due.map(({ marker }) => redis.get(marker)));
  const open = due.flatMap((alert, index) => (claimable(held[index] ?? null, staleBefore) ? [{ ...alert, takenOver: held[index] !== null }] : []));
  const ttl = String(ALERTED_TTL_S);
  let alerts = 0;
  for (const { subscription, story, marker, takenOver } of open) {
    // One alert failing holds back no other: it is left pending, and the check fails once all were tried.
    try {
      const id = await redis.heraldClaimAlert(marker, breakingBriefingId(story, subscription), now.getTime(), ttl, staleBefore);
      if (id === null) continue;
      // An alert left pending may have been fanned out before its worker stopped (only the
      // settling lost): BullMQ would ignore the repeat, and it is not counted as sent.
      const queued = takenOver && (await deps.deliverQueue.getJob(deliveryJobId(id, subscription.id))) !== undefined;
      if (!queued) {
        const window = { from: new Date(story.items[0]!.publishedAt), to: new Date(story.updatedAt) };
        await deps.briefings.getOrCompose(id, async () => storedBriefing(id, breakingBriefing(story, subscription, now), window, deps.render));
        await queueDelivery(deps.deliverQueue, id, subscription.id);
        alerts += 1;
      }
      await redis.heraldSettleMarker(marker, id, ttl);
    } catch (error) {
      if (!failed.has(story.id)) failed.set(story.id, error);
    }
  }
  return { alerts, failed };
}

/**
 * Runs a listed check (see sendAlerts), then takes out its entries (by story) of the stories whose
 * alerts all went out or were not due; those of a story whose alert failed stay for housekeeping.
 * Fails with the first failure once all were tried.
 */
async function runCheck(entries: Map<string, string>, subscriberIds: string[], deps: BreakingDeps, now: Date): Promise<number> {
  const { alerts, failed } = await sendAlerts([...entries.keys()], subscriberIds, deps, now);
  const done = [...entries].filter(([storyId]) => !failed.has(storyId)).map(([, entry]) => entry);
  if (done.length > 0) await deps.redis.zrem(deps.keys.breakingClaimed(), ...done);
  if (failed.size > 0) throw [...failed.values()][0];
  return alerts;
}

/**
 * After the story engine placed new items: posts one ❗️ alert per story that now reaches a
 * subscription's `breakingMinSources`, at once, through the delivery queue (so alerts get the
 * same exactly-once delivery as briefings). A marker per subscription and story keeps it to one
 * alert even when the story keeps growing or two workers see it together. The stories are
 * listed first (breakingClaimed; not when no chat has alerts on: see listAlertCheck) and the
 * marker is claimed pending, settled once the alert is fanned out: an alert cut short before its
 * claim or after is sent by the story's next alert or by housekeeping (alertLeftPending).
 * Returns how many alerts were fanned out anew.
 */
export async function alertBreakingStories(storyIds: string[], deps: BreakingDeps, now = new Date()): Promise<number> {
  return (await listAlertCheck(storyIds, deps, now))();
}

/**
 * alertBreakingStories in its two steps, for a caller that must tell them apart: reads which
 * subscriptions have alerts on and lists the stories, before anything that may fail, then returns
 * the check to run. A check cut short once listed (Redis failing while it reads, the worker dying)
 * is left for housekeeping (alertLeftPending); a failure of the read or the listing itself is the
 * caller's to retry. Each check lists under its own token, so one that goes through takes out its
 * entries and no other check's of the same story, under way or cut short.
 *
 * With no subscription's alerts on, nothing is listed (most installs: a poll with new items then
 * writes nothing for alerts). What must hold for a chat turning its alerts on while a poll runs:
 * it is alerted of every story that reaches its threshold after its alerts are on. It holds
 * because the caller hands in stories already placed (the poll's items placed, its copies
 * recorded) and the set is read here, after that: a chat whose alerts were on before the story
 * reached its threshold is in the set as read, and is alerted by this check (or, cut short, by
 * housekeeping); one whose alerts come on after the read came after the story reached its
 * threshold, and is alerted when the story next grows, as before (the set was always read once
 * per check). Reading the set before placing would lose the alert of a chat turning on in between.
 */
export async function listAlertCheck(storyIds: string[], deps: BreakingDeps, now = new Date()): Promise<() => Promise<number>> {
  const nothing = async () => 0;
  if (storyIds.length === 0) return nothing;
  const subscriberIds = await deps.subscriptions.breakingIds();
  if (subscriberIds.length === 0) return nothing;
  const token = randomBytes(9).toString('base64url');
  const entries = new Map([...new Set(storyIds)].map((id) => [id, `${token}:${id}`]));
  await deps.redis.zadd(deps.keys.breakingClaimed(), ...[...entries.values()].flatMap((entry) => [now.getTime(), entry]));
  return () => runCheck(entries, subscriberIds, deps, now);
}

/**
 * Housekeeping: looks again at the stories of the alert checks listed before the grace and cut
 * short since (their worker died, or Redis, composing or the fan-out failed), and sends the
 * alerts still due: unclaimed, or left pending. They are listed anew (as a check of its own)
 * before the old entries are trimmed, so none is dropped unchecked; a story whose alert keeps
 * failing is looked at again each run for as long as its alert is due (maxItemAgeHours).
 */
export async function alertLeftPending(deps: BreakingDeps, now = new Date()): Promise<number> {
  const before = now.getTime() - ALERT_PENDING_GRACE_MS;
  const entries = await deps.redis.zrangebyscore(deps.keys.breakingClaimed(), '-inf', before);
  if (entries.length === 0) return 0;
  const check = await listAlertCheck(entries.map(storyOfEntry), deps, now);
  await deps.redis.zremrangebyscore(deps.keys.breakingClaimed(), '-inf', before);
  return check();
}
