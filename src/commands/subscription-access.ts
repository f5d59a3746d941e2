import type { Feed, FeedStateView } from '../feeds/item.js';
import { BRIEFING_LANGUAGES } from '../briefing/labels.js';
import { primaryLanguage } from '../feeds/language.js';
import { chooseReplyLanguage, messagesIn, type Messages, type ReplyLanguage } from '../i18n/index.js';
import { subscriptionIdFor } from '../store/subscriptions.js';
import { defaultSubscription } from '../subscriptions/defaults.js';
import type { Subscription } from '../subscriptions/model.js';
import { subscribeExample } from './catalog.js';
import type { HandlerInput } from './handler.js';
import { refused } from './replies.js';
import type { CommandServices } from './services.js';
import type { CommandContext, CommandReply } from './types.js';

/**
 * A new subscription of the command's target with the configured defaults (not stored). Its
 * language is the asker's app language when a briefing can be written in it and the config
 * does not fix one (`briefing.locale`): a Japanese admin gets a Japanese briefing, and
 * Japanese replies, without asking.
 */
export function draftSubscription(input: Pick<HandlerInput, 'context' | 'services' | 'now'>): Subscription {
  const draft = defaultSubscription(input.context.target, input.services.config, input.now, input.context.user.id);
  const client = primaryLanguage(input.context.locale);
  if (input.services.config.briefing.locale !== undefined || client === undefined || !BRIEFING_LANGUAGES.includes(client)) return draft;
  return { ...draft, settings: { ...draft.settings, locale: client } };
}

/** The target's subscription, when it has one. */
export async function currentSubscription(input: Pick<HandlerInput, 'context' | 'services'>): Promise<Subscription | undefined> {
  return input.services.subscriptions.get(subscriptionIdFor(input.context.target));
}

/** The language to answer a command about the target in: the target's briefing language, else the asker's (see i18n). */
export async function replyLanguageFor(services: CommandServices, context: CommandContext): Promise<ReplyLanguage> {
  const subscription = await currentSubscription({ services, context });
  return chooseReplyLanguage(subscription?.settings.locale, context.locale);
}

/** The context with the target named in the reply's language. */
export function speakingContext(context: CommandContext, t: Messages): CommandContext {
  return context.targetName ? { ...context, targetLabel: context.targetName(t) } : context;
}

/** The same input answering in the language a changed subscription now speaks (after its language was set). */
export function speakingFor(input: HandlerInput, subscription: Subscription): HandlerInput {
  const language = chooseReplyLanguage(subscription.settings.locale, input.context.locale);
  const t = messagesIn(language);
  return { ...input, language, t, context: speakingContext(input.context, t) };
}

/** The reply to a change that needs a subscription the target does not have yet. */
export function notSubscribed(input: HandlerInput): CommandReply {
  return refused(input.t.notSubscribed(input.context.targetLabel, subscribeExample(input.context.platform, input.services.config.defaults.timezone)));
}

/** Saves a changed subscription and brings its schedulers in line. */
export async function saveSubscription(input: Pick<HandlerInput, 'services'>, subscription: Subscription): Promise<void> {
  await input.services.subscriptions.upsert(subscription);
  await input.services.scheduling.subscriptionSaved(subscription);
}

export interface FeedWithState {
  feed: Feed;
  state: FeedStateView;
}

/**
 * The feeds a destination's briefing draws on, oldest first: every feed in the catalogue when it
 * follows everything (no subscription, or an empty feed list), else the ones it lists.
 */
export async function followedFeeds(input: Pick<HandlerInput, 'services'>, subscription: Subscription | undefined): Promise<FeedWithState[]> {
  const all = await input.services.feeds.listWithState();
  if (!subscription || subscription.feedIds.length === 0) return all;
  const followed = new Set(subscription.feedIds);
  return all.filter(({ feed }) => followed.has(feed.id));
}
