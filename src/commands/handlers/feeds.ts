import { storedFeedUrls } from '../../feeds/feed-address.js';
import type { Feed } from '../../feeds/item.js';
import type { Subscription } from '../../subscriptions/model.js';
import { ArgumentProblem, optionText, parseInterval, parseWebUrl } from '../arguments.js';
import { COMMAND_USAGE, commandExample, subscribeExample } from '../catalog.js';
import { button, type ControlRow } from '../controls.js';
import type { ControlSpec } from '../control-spec.js';
import { FeedTrialError, tryFeed, type TrialResult } from '../feed-trial.js';
import { describeFeed, describeHealth, feedName } from '../feed-health.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import { done, refused } from '../replies.js';
import { currentSubscription, followedFeeds, notSubscribed, saveSubscription, type FeedWithState } from '../subscription-access.js';
import type { CommandReply } from '../types.js';

const MAX_SECTION_LENGTH = 40;

/** Feeds on one page of the list: each gets a row with its remove and health buttons. */
const FEEDS_PER_PAGE = 4;

/**
 * One page of the feeds the target's briefing draws on, numbered (for removefeed), with their
 * health; below, a row per feed (remove, health) and the page buttons. Typed with no page, the
 * whole list is in the text and the buttons page through it.
 */
async function feedsScreen(input: HandlerInput, subscription: Subscription | undefined, requestedPage: number, wholeList: boolean): Promise<CommandReply> {
  const { t, context } = input;
  const followed = await followedFeeds(input, subscription);
  if (followed.length === 0) return done(t.noFeedsYet(commandExample(COMMAND_USAGE.addfeed.example, context.platform)));
  const followsAll = !subscription || subscription.feedIds.length === 0;
  const header = followsAll ? t.followsEverything(context.targetLabel, followed.length) : t.followsSome(context.targetLabel, followed.length);
  const pages = Math.ceil(followed.length / FEEDS_PER_PAGE);
  const page = Math.min(Math.max(1, requestedPage), pages);
  const first = (page - 1) * FEEDS_PER_PAGE;
  const shown = wholeList ? followed : followed.slice(first, first + FEEDS_PER_PAGE);
  const offset = wholeList ? 0 : first;
  const lines = shown.map(({ feed, state }, index) => `• ${describeFeed(feed, offset + index + 1, t)}\n  ${describeHealth(state, input.now, t)}`);
  const rows: ControlRow[] = followed.slice(first, first + FEEDS_PER_PAGE).map(({ feed }, index) => [
    button(`${t.removeButton(first + index + 1)} ${feedName(feed)}`.slice(0, 60), `fd.rm=${feed.id}`, 'danger'),
    button(t.healthButton(first + index + 1), `fd.h=${feed.id}`),
  ]);
  if (pages > 1) {
    rows.push([
      ...(page > 1 ? [button(t.previousButton, `fd.p=${page - 1}`)] : []),
      button(t.feedsPage(page, pages), `fd.p=${page}`),
      ...(page < pages ? [button(t.nextButton, `fd.p=${page + 1}`)] : []),
    ]);
  }
  return done([header, ...lines].join('\n'), { controls: rows });
}

/** Lists the feeds the target's briefing draws on, numbered (for removefeed), with their health, and buttons to remove them. */
export const feeds: CommandHandler = async (input) => feedsScreen(input, await currentSubscription(input), 1, true);

/** Section and interval from `[section words…] [interval]` after the URL, or from options. */
function sectionAndInterval(input: HandlerInput, words: string[]): { section?: string; intervalMinutes?: number } {
  const example = COMMAND_USAGE.addfeed.example;
  const intervalText = optionText(input.request, 'interval') ?? (words.length > 0 && /^\d+\s*(m|min|h)?$/i.test(words.at(-1)!) ? words.pop() : undefined);
  const section = optionText(input.request, 'section') ?? (words.length > 0 ? words.join(' ') : undefined);
  if (section !== undefined && section.length > MAX_SECTION_LENGTH) throw new ArgumentProblem((t) => t.sectionTooLong(section.length, MAX_SECTION_LENGTH), example);
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
  const { t, context } = input;
  const example = COMMAND_USAGE.addfeed.example;
  const [first, ...rest] = input.request.args;
  const typed = optionText(input.request, 'url') ?? first;
  // Bare: ask for the address rather than explain the syntax, so no one has to type an argument.
  if (typed === undefined && Object.values(input.request.options).every((value) => value === undefined)) return done(t.addFeedPrompt, { prompt: 'addfeed' });
  const url = parseWebUrl(typed, example);
  const words = optionText(input.request, 'url') === undefined ? rest : input.request.args;
  let added;
  try {
    added = await catalogueFeed(input, url, sectionAndInterval(input, [...words]));
  } catch (error) {
    if (error instanceof FeedTrialError) return refused(`${error.message}\n${t.exampleLine(commandExample(example, context.platform))}`);
    throw error;
  }
  const { feed, created, trial } = added;
  const subscription = await currentSubscription(input);
  if (subscription && subscription.feedIds.length > 0 && !subscription.feedIds.includes(feed.id)) {
    await saveSubscription(input, { ...subscription, feedIds: [...subscription.feedIds, feed.id] });
  }
  const found = trial?.discoveredFrom ? t.feedFoundOnPage(trial.url) : '';
  const details = [trial && t.itemsNow(trial.itemCount), feed.section && t.sectionDetail(feed.section), t.everyMinutes(feed.intervalMinutes)].filter(Boolean).join(', ');
  const next = subscription ? '' : `\n${t.noBriefingYetHint(context.targetLabel, subscribeExample(context.platform, input.services.config.defaults.timezone))}`;
  return done(`${found}${t.feedAdded(created, feed.name ?? feed.url, details)}${next}`);
};

/** The feed a removefeed argument names: its number in /feeds, its URL (as it was added: feed:// too), or its id. */
function findFeed(followed: FeedWithState[], selector: string): FeedWithState | undefined {
  if (/^\d+$/.test(selector)) return followed[Number(selector) - 1];
  const urls = storedFeedUrls(selector);
  return followed.find(({ feed }) => urls.includes(feed.url) || feed.id === selector);
}

/** Stops a subscription following one of its feeds; a destination that followed everything now follows the rest by name. */
async function unfollow(input: HandlerInput, subscription: Subscription, followed: FeedWithState[], target: FeedWithState): Promise<CommandReply> {
  const { t, context } = input;
  const name = target.feed.name ?? target.feed.url;
  const remaining = followed.filter(({ feed }) => feed.id !== target.feed.id).map(({ feed }) => feed.id);
  if (remaining.length === 0) return refused(t.onlyFeed(name, context.targetLabel));
  await saveSubscription(input, { ...subscription, feedIds: remaining });
  return done(t.noLongerFollows(context.targetLabel, name, remaining.length));
}

/**
 * Stops the target following a feed. A destination that followed everything now follows every
 * other feed by name (so it no longer picks up feeds added later). `everywhere` (owners only)
 * deletes the feed from the catalogue and stops polling it.
 */
export const removefeed: CommandHandler = async (input) => {
  const { t } = input;
  const example = COMMAND_USAGE.removefeed.example;
  const [selectorWord, scope] = input.request.args;
  const selector = optionText(input.request, 'feed') ?? selectorWord;
  const everywhere = scope?.toLowerCase() === 'everywhere' || input.request.options.everywhere === true;
  if (selector === undefined) throw new ArgumentProblem((m) => m.whichFeed, example);
  if (scope !== undefined && scope.toLowerCase() !== 'everywhere') throw new ArgumentProblem((m) => m.didNotUnderstand(scope), example);
  const subscription = await currentSubscription(input);
  const followed = await followedFeeds(input, subscription);
  const target = findFeed(followed, selector);
  if (!target) throw new ArgumentProblem((m) => m.noSuchFeed(selector, followed.length), example);
  if (everywhere) {
    if (!input.context.isOwner) return refused(t.ownersRemoveEverywhere);
    await input.services.feeds.remove(target.feed.id);
    await input.services.scheduling.feedRemoved(target.feed.id);
    return done(t.removedEverywhere(target.feed.name ?? target.feed.url));
  }
  if (!subscription) return notSubscribed(input);
  return unfollow(input, subscription, followed, target);
};

/** The page of the list a feed is on, so the list stays where it was after a removal. */
function pageOf(followed: FeedWithState[], feedId: string): number {
  const index = followed.findIndex(({ feed }) => feed.id === feedId);
  return index < 0 ? 1 : Math.floor(index / FEEDS_PER_PAGE) + 1;
}

/**
 * The buttons of the feed list (short names for Telegram's 64-byte callback data): fd.p=PAGE
 * pages (anyone), fd.h=ID shows a feed's health (anyone), fd.rm=ID stops following it (managers).
 */
export const feedControls: Record<string, ControlSpec> = {
  'fd.p': { who: 'anyone', needsSubscription: false, run: async (input, subscription, value) => feedsScreen(input, subscription, Number(value ?? 1) || 1, false) },
  'fd.h': {
    who: 'anyone',
    needsSubscription: false,
    run: async (input, subscription, value) => {
      const followed = await followedFeeds(input, subscription);
      const found = followed.find(({ feed }) => feed.id === value);
      const screen = await feedsScreen(input, subscription, found ? pageOf(followed, found.feed.id) : 1, false);
      return { ...screen, notice: found ? `${feedName(found.feed)}: ${describeHealth(found.state, input.now, input.t)}` : input.t.feedGone };
    },
  },
  'fd.rm': {
    who: 'managers',
    run: async (input, subscription, value) => {
      const followed = await followedFeeds(input, subscription);
      const found = followed.find(({ feed }) => feed.id === value);
      if (!found) return { ...(await feedsScreen(input, subscription, 1, false)), notice: input.t.feedGone };
      const outcome = await unfollow(input, subscription, followed, found);
      const after = (await currentSubscription(input)) ?? subscription;
      const screen = await feedsScreen(input, after, pageOf(followed, found.feed.id), false);
      return { ...screen, text: `${outcome.text}\n\n${screen.text}`, ok: outcome.ok, notice: outcome.text };
    },
  },
};
