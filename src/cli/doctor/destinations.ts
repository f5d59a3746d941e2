import type { Subscription } from '../../subscriptions/model.js';
import type { CheckResult } from './report.js';

/** How a destination is named in the table: platform, chat and topic/thread. */
export function destinationName(subscription: Subscription): string {
  const { platform, chatId, threadId } = subscription.destination;
  return `${platform} ${chatId}${threadId ? ` (thread ${threadId})` : ''}`;
}

/** The row of a subscription that delivery has already stopped. */
export function inactiveResult(subscription: Subscription): CheckResult {
  return {
    name: destinationName(subscription),
    status: 'warn',
    detail: `inactive: ${subscription.inactiveReason ?? 'deliveries were stopped'}`,
    fix: 'fix the cause (add Herald back, grant it the right to post), then subscribe again from that chat',
  };
}

/** Rows for subscriptions on a platform whose token is missing or rejected: none of them can be checked. */
export function uncheckedDestinations(subscriptions: Subscription[], why: string): CheckResult[] {
  return subscriptions.map((subscription) => ({ name: destinationName(subscription), status: 'skipped', detail: why }));
}

/** Rows for a platform without a token: nothing to check, unless chats on it expect briefings. */
export function missingTokenResults(platform: 'telegram' | 'discord', envVariable: string, subscriptions: Subscription[]): CheckResult[] {
  const name = `${platform} token`;
  if (subscriptions.length === 0) return [{ name, status: 'skipped', detail: `not configured (${envVariable})` }];
  return [
    { name, status: 'problem', detail: `not set, but ${subscriptions.length} ${platform} subscription(s) exist`, fix: `set ${envVariable}` },
    ...uncheckedDestinations(subscriptions, 'no token to check with'),
  ];
}
