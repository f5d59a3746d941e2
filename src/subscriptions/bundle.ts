import { createHash } from 'node:crypto';
import type { Subscription } from './model.js';

const DAY_MS = 86_400_000;

/** The span of time one briefing covers: the items Herald first saw in it (see follow.ts isNewIn). */
export interface BriefingWindow {
  from: Date;
  to: Date;
}

/**
 * A subscription's next window, ending at `now`: everything since the end of its previous
 * briefing's window; the first briefing covers the last 24 hours.
 */
export function windowFor(subscription: Pick<Subscription, 'lastWindowEnd'>, now: Date): BriefingWindow {
  const previousEnd = subscription.lastWindowEnd === undefined ? undefined : new Date(subscription.lastWindowEnd);
  const from = previousEnd !== undefined && previousEnd.getTime() < now.getTime() ? previousEnd : new Date(now.getTime() - DAY_MS);
  return { from, to: now };
}

/** Everything that shapes a briefing's content except its window: subscriptions equal here share story memory. */
function contentShape(subscription: Pick<Subscription, 'feedIds' | 'sections' | 'settings' | 'schedule'>): unknown {
  const sorted = (values: string[]) => [...new Set(values)].sort();
  const { settings } = subscription;
  return {
    feedIds: sorted(subscription.feedIds),
    sections: sorted(subscription.sections),
    // The time zone fixes the briefing's date and title.
    timezone: subscription.schedule.timezone,
    locale: settings.locale,
    maxBullets: settings.maxBullets,
    boosts: sorted(settings.boosts),
    mutes: sorted(settings.mutes),
    whenEmpty: settings.whenEmpty,
  };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 24).replaceAll('-', '_');
}

/**
 * The id of a family of briefings: the same feeds, sections and settings, whatever the window.
 * Story memory is kept per family (see compose-for-subscription.ts).
 */
export function bundleFamily(subscription: Pick<Subscription, 'feedIds' | 'sections' | 'settings' | 'schedule'>): string {
  return digest(contentShape(subscription));
}

/**
 * The bundle key: a hash of feeds, sections, settings and window. Subscriptions with equal keys
 * get the very same briefing, composed once; it doubles as the briefing id. No `-` in it, so a
 * delivery job id `${briefingId}-${destinationKey}` splits unambiguously.
 */
export function bundleKey(subscription: Pick<Subscription, 'feedIds' | 'sections' | 'settings' | 'schedule'>, window: BriefingWindow): string {
  return digest({ shape: contentShape(subscription), from: window.from.toISOString(), to: window.to.toISOString() });
}
