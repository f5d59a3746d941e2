import type { Feed } from '../../feeds/item.js';
import { ArgumentProblem, optionText, parseInterval, parseWebUrl } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import { FeedTrialError, tryFeed, type TrialResult } from '../feed-trial.js';
import { describeFeed, describeHealth } from '../feed-health.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import { done, refused } from '../replies.js';
import { currentSubscription, followedFeeds, notSubscribed, saveSubscription, type FeedWithState } from '../subscription-access.js';

const MAX_SECTION_LENGTH = 40;

/** Lists the feeds the target's briefing draws on, numbered (for removefeed), with their health. */
export const feeds: CommandHandler = async (input) => {
  const subscription = await currentSubscription(input);
  const followed = await followedFeeds(input, subscription);
  if (followed.length === 0) return done(`No feeds yet. Add one: /${COMMAND_USAGE.addfeed.example}`);
  const followsAll = !subscription || subscription.feedIds.length === 0;
  const header = followsAll ? `${input.context.targetLabel} follows every feed Herald reads (${followed.length}):` : `${input.context.targetLabel} follows ${followed.length} feed${followed.length === 1 ? '' : 's'}:`;
  const lines = followed.map(({ feed, state }, index) => `• ${describeFeed(feed, index + 1)}\n  ${describeHealth(state, input.now)}`);
  return done([header, ...lines].join('\n'));
};

/** Section and interval from `[section words…] [interval]` after the URL, or from options. */
function sectionAndInterval(input: HandlerInput, words: string[]): { section?: string; intervalMinutes?: number } {
  const example = COMMAND_USAGE.addfeed.example;
  const intervalText = optionText(input.request, 'interval') ?? (words.length > 0 && /^\d+\s*(m|min|h)?$/i.test(words.at(-1)!) ? words.pop() : undefined);
  const section = optionText(input.request, 'section') ?? (words.length > 0 ? words.join(' ') : undefined);
  if (section !== undefined && section.length > MAX_SECTION_LENGTH) throw new ArgumentProblem(`A section name of ${section.length} characters is too long: at most ${MAX_SECTION_LENGTH}.`, example);
  return {
    ...(section !== undefined ? { section } : {}),
    ...(intervalText !== undefined ? { intervalMinutes: parseInterval(intervalText, example) } : {}),
  };
}

/** The catalogue's feed for a URL: the known one, or a new one after a trial fetch (returned too, for the reply). */
async function catalogueFeed(input: HandlerInput, url: string, settings: { section?: string; intervalMinutes?: number }): Promise<{ feed: Feed; created: boolean; trial?: TrialResult }> {
  const { services } = input;
  const known = await services.feeds.findByUrl(url);
  if (known) return { feed: known, created: false };
  const trial = await tryFeed(url, services.fetchOptions, input.now);
  const { feed, created } = await services.feeds.add(
    { url: trial.url, name: trial.title, section: settings.section, intervalMinutes: settings.intervalMinutes ?? services.config.defaults.interval },
    input.now,
  );
  if (created) await services.scheduling.feedAdded(feed);
  return { feed, created, trial };
}

/**
 * Adds a feed after a trial fetch through the SSRF guard (a web page counts when it advertises
 * a feed). Feeds live in one catalogue shared by every destination and are polled once however
 * many follow them; the target follows the new feed (a destination with a chosen list gets it
 * appended; one that follows everything already has it). A feed already in the catalogue is
 * followed without fetching it again.
 */
export const addfeed: CommandHandler = async (input) => {
  const example = COMMAND_USAGE.addfeed.example;
  const [first, ...rest] = input.request.args;
  const url = parseWebUrl(optionText(input.request, 'url') ?? first, example);
  const words = optionText(input.request, 'url') === undefined ? rest : input.request.args;
  let added;
  try {
    added = await catalogueFeed(input, url, sectionAndInterval(input, [...words]));
  } catch (error) {
    if (error instanceof FeedTrialError) return refused(`${error.message}\nExample: /${example}`);
    throw error;
  }
  const { feed, created, trial } = added;
  const subscription = await currentSubscription(input);
  if (subscription && subscription.feedIds.length > 0 && !subscription.feedIds.includes(feed.id)) {
    await saveSubscription(input, { ...subscription, feedIds: [...subscription.feedIds, feed.id] });
  }
  const found = trial?.discoveredFrom ? `Found ${trial.url} on that page. ` : '';
  const details = [trial && `${trial.itemCount} item${trial.itemCount === 1 ? '' : 's'} now`, feed.section && `section ${feed.section}`, `every ${feed.intervalMinutes} min`].filter(Boolean).join(', ');
  const next = subscription ? '' : `\n${input.context.targetLabel} has no briefing yet: /subscribe 07:30 ${input.services.config.defaults.timezone}`;
  return done(`${found}${created ? 'Added' : 'Already known, now followed'}: ${feed.name ?? feed.url} (${details}).${next}`);
};

/** The feed a removefeed argument names: its number in /feeds, its URL, or its id. */
function findFeed(followed: FeedWithState[], selector: string): FeedWithState | undefined {
  if (/^\d+$/.test(selector)) return followed[Number(selector) - 1];
  return followed.find(({ feed }) => feed.url === selector || feed.id === selector);
}

/**
 * Stops the target following a feed. A destination that followed everything now follows every
 * other feed by name (so it no longer picks up feeds added later). `everywhere` (owners only)
 * deletes the feed from the catalogue and stops polling it.
 */
export const removefeed: CommandHandler = async (input) => {
  const example = COMMAND_USAGE.removefeed.example;
  const [selectorWord, scope] = input.request.args;
  const selector = optionText(input.request, 'feed') ?? selectorWord;
  const everywhere = scope?.toLowerCase() === 'everywhere' || input.request.options.everywhere === true;
  if (selector === undefined) throw new ArgumentProblem('Say which feed: its number in /feeds, or its URL.', example);
  if (scope !== undefined && scope.toLowerCase() !== 'everywhere') throw new ArgumentProblem(`Did not understand "${scope}".`, example);
  const subscription = await currentSubscription(input);
  const followed = await followedFeeds(input, subscription);
  const target = findFeed(followed, selector);
  if (!target) throw new ArgumentProblem(`No feed ${selector} among the ${followed.length} that /feeds lists.`, example);
  const name = target.feed.name ?? target.feed.url;
  if (everywhere) {
    if (!input.context.isOwner) return refused('Only a Herald owner can remove a feed for everyone. Without "everywhere" it is removed here only.');
    await input.services.feeds.remove(target.feed.id);
    await input.services.scheduling.feedRemoved(target.feed.id);
    return done(`Removed ${name} from Herald: no destination gets it any more.`);
  }
  if (!subscription) return notSubscribed(input);
  const remaining = followed.filter(({ feed }) => feed.id !== target.feed.id).map(({ feed }) => feed.id);
  if (remaining.length === 0) return refused(`${name} is the only feed ${input.context.targetLabel} follows. Add another first, or /unsubscribe.`);
  await saveSubscription(input, { ...subscription, feedIds: remaining });
  return done(`${input.context.targetLabel} no longer follows ${name}. It follows ${remaining.length} feed${remaining.length === 1 ? '' : 's'}.`);
};
