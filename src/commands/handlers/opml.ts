import { OpmlError, parseOpml, toOpml } from '../../feeds/opml.js';
import { ArgumentProblem } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done } from '../replies.js';
import { currentSubscription, followedFeeds, saveSubscription } from '../subscription-access.js';

const MAX_IMPORTED_FEEDS = 500;
const MAX_SKIPPED_SHOWN = 5;

/** The followed feeds as an OPML file. */
export const exportFeeds: CommandHandler = async (input) => {
  const followed = await followedFeeds(input, await currentSubscription(input));
  const opml = toOpml(followed.map(({ feed }) => feed), `Herald feeds for ${input.context.targetLabel}`);
  return done(input.t.exported(followed.length), {
    file: { name: 'herald-feeds.opml', content: new TextEncoder().encode(opml), mimeType: 'text/x-opml' },
    private: true,
  });
};

/**
 * Adds every feed of an attached OPML file to the catalogue (and to the target's list when it
 * has a chosen one). No trial fetch per feed: polls go through the SSRF guard anyway and a feed
 * that fails shows in /status.
 */
export const importFeeds: CommandHandler = async (input) => {
  const { attachment } = input.request;
  const example = COMMAND_USAGE.import.example;
  if (!attachment) throw new ArgumentProblem((t) => t.attachOpml, example);
  let parsed;
  try {
    parsed = parseOpml(new TextDecoder().decode(attachment.content));
  } catch (error) {
    if (error instanceof OpmlError) throw new ArgumentProblem((t) => t.notOpml(attachment.name, error.message), example);
    throw error;
  }
  if (parsed.feeds.length === 0) throw new ArgumentProblem((t) => t.opmlWithoutFeeds(attachment.name), example);
  if (parsed.feeds.length > MAX_IMPORTED_FEEDS) throw new ArgumentProblem((t) => t.opmlTooLarge(attachment.name, parsed.feeds.length, MAX_IMPORTED_FEEDS), example);
  const { services } = input;
  const ids: string[] = [];
  let created = 0;
  for (const entry of parsed.feeds) {
    const added = await services.feeds.add(
      { url: entry.url, name: entry.title, section: entry.section, intervalMinutes: services.config.defaults.interval, origin: 'opml' },
      input.now,
    );
    ids.push(added.feed.id);
    if (added.created) {
      created += 1;
      await services.scheduling.feedAdded(added.feed);
    }
  }
  const subscription = await currentSubscription(input);
  if (subscription && subscription.feedIds.length > 0) {
    await saveSubscription(input, { ...subscription, feedIds: [...new Set([...subscription.feedIds, ...ids])] });
  }
  const skipped = parsed.skipped.length === 0 ? '' : `\n${input.t.skipped(parsed.skipped.length)}\n${parsed.skipped.slice(0, MAX_SKIPPED_SHOWN).map((s) => `• ${s}`).join('\n')}`;
  return done(`${input.t.imported(ids.length, created)}${skipped}`);
};
