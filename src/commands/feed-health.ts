import type { Feed, FeedState, FeedStateView } from '../feeds/item.js';
import { en } from '../i18n/en.js';
import type { Messages } from '../i18n/index.js';

/** "3 h ago", "2 d ago": how long ago an ISO time was, roughly (in English for the console's tables). */
export function timeAgo(iso: string, now: Date, t: Messages = en): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 60_000));
  if (minutes < 60) return t.minutesAgo(minutes);
  const hours = Math.round(minutes / 60);
  return hours < 48 ? t.hoursAgo(hours) : t.daysAgo(Math.round(hours / 24));
}

/** One word for a feed's health: disabled, failing, ok or waiting for its first poll. */
export function healthOf(state: FeedState): 'disabled' | 'failing' | 'ok' | 'new' {
  if (state.disabledReason) return 'disabled';
  if (state.consecutiveFailures > 0) return 'failing';
  return state.lastSuccessAt ? 'ok' : 'new';
}

/**
 * "redirects permanently to <url>, which feed <name> (<id>) already fetches — remove one of
 * them", while both fetch one document; undefined otherwise (a disabled feed fetches nothing).
 */
function describeRedirectConflict(state: FeedStateView, t: Messages = en): string | undefined {
  if (state.redirectsTo === undefined || healthOf(state) === 'disabled') return undefined;
  return t.redirectConflict(state.redirectsTo, state.redirectsToFeedName ?? '', state.redirectsToFeedId ?? '');
}

/** The feeds of `entries` whose permanent redirect leads onto another feed's URL, each with its describeRedirectConflict words (the console's lists). */
export function redirectConflicts(entries: readonly { feed: Feed; state: FeedStateView }[]): { feed: Feed; conflict: string }[] {
  return entries.flatMap(({ feed, state }) => {
    const conflict = describeRedirectConflict(state);
    return conflict === undefined ? [] : [{ feed, conflict }];
  });
}

/** "✅ ok, last read 5 min ago" / "⚠️ 3 failures: <reason>" / "⛔ disabled: <reason>", then what redirects onto another feed (describeRedirectConflict). */
export function describeHealth(state: FeedStateView, now: Date, t: Messages): string {
  const conflict = describeRedirectConflict(state, t);
  return conflict === undefined ? healthWords(state, now, t) : `${healthWords(state, now, t)}; ↪️ ${conflict}`;
}

function healthWords(state: FeedState, now: Date, t: Messages): string {
  const lastRead = state.lastSuccessAt ? t.lastRead(timeAgo(state.lastSuccessAt, now, t)) : t.neverRead;
  switch (healthOf(state)) {
    case 'disabled':
      return t.healthDisabled(state.disabledReason ?? '');
    case 'failing':
      return t.healthFailing(state.consecutiveFailures, lastRead, state.lastError ?? t.unknownError);
    case 'ok':
      return t.healthOk(lastRead);
    case 'new':
      return t.healthNew;
  }
}

/** A feed's name for lists: its title, else its host. */
export function feedName(feed: Feed): string {
  return feed.name ?? new URL(feed.url).hostname;
}

/** "1. Example News (World, every 30 min) https://…" */
export function describeFeed(feed: Feed, position: number, t: Messages): string {
  const details = [feed.section, t.everyMinutes(feed.intervalMinutes)].filter(Boolean).join(', ');
  return t.feedLine(position, feedName(feed), details, feed.url);
}
