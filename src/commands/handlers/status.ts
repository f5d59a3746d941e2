import type { Subscription } from '../../subscriptions/model.js';
import type { Messages } from '../../i18n/index.js';
import { describeHealth, healthOf, timeAgo } from '../feed-health.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import type { DeadLetterSummary } from '../services.js';
import { done } from '../replies.js';
import { describeScheduleIn } from '../schedule-words.js';
import { currentSubscription, followedFeeds } from '../subscription-access.js';

async function subscriptionLines(input: HandlerInput, subscription: Subscription | undefined): Promise<string[]> {
  const { targetLabel } = input.context;
  const { t } = input;
  if (!subscription) return [t.notSubscribedStatus(targetLabel)];
  const lines = [t.briefingsAt(describeScheduleIn(t, subscription.schedule))];
  if (!subscription.active) lines.push(t.stopped(subscription.inactiveReason));
  lines.push(t.lastBriefing(subscription.lastWindowEnd ? timeAgo(subscription.lastWindowEnd, input.now, t) : undefined));
  const next = subscription.active ? await input.services.scheduling.nextBriefingAt(subscription) : undefined;
  if (next) lines.push(t.nextBriefing(next.toISOString().replace('T', ' ').slice(0, 16)));
  const deadLetters = (await input.services.deadLetters?.()) ?? [];
  const failed = deadLetters.filter((letter) => letter.subscriptionId === subscription.id);
  if (failed.length > 0) lines.push(t.failedDeliveries(failed.length, failed.at(-1)!.reason));
  return lines;
}

/** Failed deliveries listed to owners at most (the most recent); `/retry all` reaches the rest too. */
const DEAD_LETTERS_LISTED = 10;

/** The failed deliveries with the ids an owner retries them by. */
function deadLetterLines(letters: DeadLetterSummary[], t: Messages): string[] {
  if (letters.length === 0) return [];
  const listed = letters.slice(-DEAD_LETTERS_LISTED).map((letter) => `  – ${letter.id}: ${letter.reason}`);
  const more = letters.length > DEAD_LETTERS_LISTED ? t.mostRecentShown(DEAD_LETTERS_LISTED) : '';
  return [...listed, t.retryHint(more)];
}

/** Herald-wide figures, for owners. */
async function globalLines(input: HandlerInput): Promise<string[]> {
  const all = await input.services.feeds.listWithState();
  const count = (health: ReturnType<typeof healthOf>) => all.filter(({ state }) => healthOf(state) === health).length;
  const subscriptions = await input.services.subscriptions.list();
  const active = subscriptions.filter((s) => s.active).length;
  const deadLetters = (await input.services.deadLetters?.()) ?? [];
  const { t } = input;
  return [
    t.overallHeading,
    t.overallFeeds(all.length, count('ok'), count('failing'), count('disabled'), count('new')),
    t.overallSubscriptions(active, subscriptions.length - active),
    t.overallDeadLetters(deadLetters.length),
    ...deadLetterLines(deadLetters, t),
  ];
}

/** Subscription state, the health of every followed feed, failed deliveries; owners also see global figures. */
export const status: CommandHandler = async (input) => {
  const subscription = await currentSubscription(input);
  const followed = await followedFeeds(input, subscription);
  const feedLines = followed.map(({ feed, state }) => `• ${feed.name ?? feed.url}: ${describeHealth(state, input.now, input.t)}`);
  const sections = [
    await subscriptionLines(input, subscription),
    followed.length === 0 ? [input.t.noFeedsStatus] : [input.t.feedsHeading(followed.length), ...feedLines],
    ...(input.context.isOwner ? [await globalLines(input)] : []),
  ];
  return done(sections.map((lines) => lines.join('\n')).join('\n\n'));
};
