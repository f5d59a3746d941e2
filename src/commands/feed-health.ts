import type { Feed, FeedState } from '../feeds/item.js';

/** "3 h ago", "2 d ago": how long ago an ISO time was, roughly. */
export function timeAgo(iso: string, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} d ago`;
}

/** One word for a feed's health: disabled, failing, ok or waiting for its first poll. */
export function healthOf(state: FeedState): 'disabled' | 'failing' | 'ok' | 'new' {
  if (state.disabledReason) return 'disabled';
  if (state.consecutiveFailures > 0) return 'failing';
  return state.lastSuccessAt ? 'ok' : 'new';
}

/** "✅ ok, last read 5 min ago" / "⚠️ 3 failures: <reason>" / "⛔ disabled: <reason>". */
export function describeHealth(state: FeedState, now: Date): string {
  const lastRead = state.lastSuccessAt ? `last read ${timeAgo(state.lastSuccessAt, now)}` : 'never read yet';
  switch (healthOf(state)) {
    case 'disabled':
      return `⛔ disabled: ${state.disabledReason}`;
    case 'failing':
      return `⚠️ ${state.consecutiveFailures} failure${state.consecutiveFailures === 1 ? '' : 's'} (${lastRead}): ${state.lastError ?? 'unknown error'}`;
    case 'ok':
      return `✅ ok, ${lastRead}`;
    case 'new':
      return '🕓 waiting for its first poll';
  }
}

/** "1. Example News (World, every 30 min) https://…" */
export function describeFeed(feed: Feed, position: number): string {
  const details = [feed.section, `every ${feed.intervalMinutes} min`].filter(Boolean).join(', ');
  return `${position}. ${feed.name ?? new URL(feed.url).hostname} (${details}) ${feed.url}`;
}
