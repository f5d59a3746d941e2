import { describeSchedule } from '../../subscriptions/schedule.js';
import type { Subscription } from '../../subscriptions/model.js';
import { describeHealth, healthOf, timeAgo } from '../feed-health.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import type { DeadLetterSummary } from '../services.js';
import { done } from '../replies.js';
import { currentSubscription, followedFeeds } from '../subscription-access.js';

async function subscriptionLines(input: HandlerInput, subscription: Subscription | undefined): Promise<string[]> {
  const { targetLabel } = input.context;
  if (!subscription) return [`${targetLabel} is not subscribed.`];
  const lines = [`Briefings at ${describeSchedule(subscription.schedule)}.`];
  if (!subscription.active) lines.push(`⛔ Stopped: ${subscription.inactiveReason ?? 'delivery failed'}. Fix that, then /subscribe to resume.`);
  lines.push(`Last briefing: ${subscription.lastWindowEnd ? timeAgo(subscription.lastWindowEnd, input.now) : 'none yet'}.`);
  const next = subscription.active ? await input.services.scheduling.nextBriefingAt(subscription) : undefined;
  if (next) lines.push(`Next briefing: ${next.toISOString().replace('T', ' ').slice(0, 16)} UTC.`);
  const deadLetters = (await input.services.deadLetters?.()) ?? [];
  const failed = deadLetters.filter((letter) => letter.subscriptionId === subscription.id);
  if (failed.length > 0) lines.push(`⚠️ ${failed.length} failed deliver${failed.length === 1 ? 'y' : 'ies'}, last: ${failed.at(-1)!.reason}`);
  return lines;
}

/** Failed deliveries listed to owners at most (the most recent); `/retry all` reaches the rest too. */
const DEAD_LETTERS_LISTED = 10;

/** The failed deliveries with the ids an owner retries them by. */
function deadLetterLines(letters: DeadLetterSummary[]): string[] {
  if (letters.length === 0) return [];
  const listed = letters.slice(-DEAD_LETTERS_LISTED).map((letter) => `  – ${letter.id}: ${letter.reason}`);
  const more = letters.length > DEAD_LETTERS_LISTED ? ` (the ${DEAD_LETTERS_LISTED} most recent shown)` : '';
  return [...listed, `Send one again with /retry ID, or all with /retry all${more}.`];
}

/** Herald-wide figures, for owners. */
async function globalLines(input: HandlerInput): Promise<string[]> {
  const all = await input.services.feeds.listWithState();
  const count = (health: ReturnType<typeof healthOf>) => all.filter(({ state }) => healthOf(state) === health).length;
  const subscriptions = await input.services.subscriptions.list();
  const active = subscriptions.filter((s) => s.active).length;
  const deadLetters = (await input.services.deadLetters?.()) ?? [];
  return [
    'Herald overall (owners only):',
    `• feeds: ${all.length} (${count('ok')} ok, ${count('failing')} failing, ${count('disabled')} disabled, ${count('new')} not read yet)`,
    `• subscriptions: ${active} active, ${subscriptions.length - active} stopped`,
    `• failed deliveries waiting: ${deadLetters.length}`,
    ...deadLetterLines(deadLetters),
  ];
}

/** Subscription state, the health of every followed feed, failed deliveries; owners also see global figures. */
export const status: CommandHandler = async (input) => {
  const subscription = await currentSubscription(input);
  const followed = await followedFeeds(input, subscription);
  const feedLines = followed.map(({ feed, state }) => `• ${feed.name ?? feed.url}: ${describeHealth(state, input.now)}`);
  const sections = [
    await subscriptionLines(input, subscription),
    followed.length === 0 ? ['No feeds yet.'] : [`Feeds (${followed.length}):`, ...feedLines],
    ...(input.context.isOwner ? [await globalLines(input)] : []),
  ];
  return done(sections.map((lines) => lines.join('\n')).join('\n\n'));
};
