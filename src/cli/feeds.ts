import { readFile, writeFile } from 'node:fs/promises';
import type { RedisClient } from '../store/client.js';
import { healthOf, redirectConflicts, timeAgo } from '../commands/feed-health.js';
import { loadConfig } from '../config/load.js';
import type { HeraldConfig } from '../config/schema.js';
import { storedFeedUrls } from '../feeds/feed-address.js';
import { feedIdFor } from '../feeds/feed-id.js';
import type { Feed, FeedState, FeedStateView } from '../feeds/item.js';
import { unreadableFileReason } from '../feeds/local-feed.js';
import { OpmlError, parseOpml, toOpml, type OpmlParseResult } from '../feeds/opml.js';
import { createPollQueue } from '../queue/poll-jobs.js';
import { scheduleNewFeed } from '../queue/schedulers.js';
import { FeedStore } from '../store/feeds.js';
import { createKeys } from '../store/keys.js';
import { configFileOf, UsageError, type CommandRun } from './command.js';
import { connectOnce, redisEndpointOf } from './redis-target.js';

async function withFeedStore<T>(config: HeraldConfig, use: (feeds: FeedStore, redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = await connectOnce(redisEndpointOf(config)).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}. Start Redis (redis-server, or docker compose up -d redis), or set REDIS_URL to where it runs.`);
  });
  try {
    return await use(new FeedStore(redis, createKeys(config.redis.prefix)), redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * The feeds an OPML file lists, or what is wrong with the file: not a mistake in how `herald` was
 * called (no pointer to --help), as `herald preview` says of a feed file it cannot read.
 */
async function readOpml(file: string): Promise<{ parsed: OpmlParseResult } | { problem: string }> {
  try {
    return { parsed: parseOpml(await readFile(file, 'utf8')) };
  } catch (error) {
    return { problem: error instanceof OpmlError ? `${file}: ${error.message}` : `cannot read ${file}: ${unreadableFileReason(error)}` };
  }
}

/**
 * Adds the feeds of an OPML file to the store, each with its outline's section; a feed new to
 * Herald is scheduled and polled soon, as when added from a chat. Returns the report lines.
 */
async function importOpml(file: string, parsed: OpmlParseResult, config: HeraldConfig): Promise<string[]> {
  return withFeedStore(config, async (feeds, redis) => {
    const queue = createPollQueue(redis, config.redis.prefix);
    const lines: string[] = [];
    let created = 0;
    const stored = await feeds.addMany(parsed.feeds.map((entry) => ({ url: entry.url, name: entry.title, section: entry.section, intervalMinutes: config.defaults.interval, origin: 'opml' })));
    for (const [index, entry] of parsed.feeds.entries()) {
      const added = stored[index]!;
      const label = `${entry.title ?? entry.url}${entry.section ? ` [${entry.section}]` : ''}`;
      if (!added.created) {
        lines.push(`= ${label} (already known)`);
        continue;
      }
      created += 1;
      await scheduleNewFeed(queue, added.feed);
      lines.push(`+ ${label}`);
    }
    lines.push(...parsed.skipped.map((reason) => `- skipped ${reason}`));
    lines.push(`Imported ${parsed.feeds.length} feed(s) from ${file}: ${created} new, ${parsed.feeds.length - created} already known, ${parsed.skipped.length} skipped.`);
    return lines;
  });
}

/** A table of every feed: id (what `remove` takes), who added it, its health, interval, section, name and URL. */
function feedTable(entries: { feed: Feed; state: FeedStateView }[], now: Date): string {
  if (entries.length === 0) return 'No feeds yet: list some under feeds: in herald.config.yaml, import an OPML file, or /addfeed in a chat.';
  const health = (state: FeedState): string => {
    const status = healthOf(state);
    if (status === 'ok') return `ok, read ${timeAgo(state.lastSuccessAt!, now)}`;
    if (status === 'failing') return `failing ×${state.consecutiveFailures}`;
    return status === 'new' ? 'not read yet' : 'disabled';
  };
  const rows = entries.map(({ feed, state }) => [feed.id, feed.origin ?? 'unknown', health(state), `${feed.intervalMinutes} min`, feed.section ?? '-', feed.name ? `${feed.name} ${feed.url}` : feed.url]);
  const header = ['ID', 'ADDED BY', 'STATUS', 'EVERY', 'SECTION', 'NAME AND URL'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const problems = entries.flatMap(({ feed, state }) => (state.disabledReason ?? state.lastError ? [`${feed.id}: ${state.disabledReason ?? state.lastError}`] : []));
  const conflicts = redirectConflicts(entries).map(({ feed, conflict }) => `${feed.id}: ${conflict}`);
  const section = (heading: string, lines: string[]) => (lines.length > 0 ? ['', heading, ...lines.map((line) => `  ${line}`)] : []);
  return [
    ...[header, ...rows].map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')),
    ...section('Last errors:', problems),
    ...section('Two feeds fetching one document:', conflicts),
  ].join('\n');
}

/**
 * Removes a feed named by id or URL (as it was added: feed:// too) from the catalogue and the poll schedule; a poll of it in
 * flight in a running Herald records nothing. Returns what to print, and whether there was such a feed.
 */
async function removeFeed(selector: string, config: HeraldConfig): Promise<{ found: boolean; message: string }> {
  return withFeedStore(config, async (feeds) => {
    let feed = await feeds.get(selector);
    for (const url of storedFeedUrls(selector)) feed ??= await feeds.findByUrl(url);
    if (!feed) return { found: false, message: `no feed has the id or URL ${selector}; \`herald feeds list\` shows them.` };
    // Removing the feed takes it out of the poll schedule too.
    await feeds.remove(feed.id);
    const stillListed = config.feeds.some((entry) => entry.url === feed.url || feedIdFor(entry.url) === feed.id);
    const warning = stillListed ? '\nIt is still listed under feeds: in the config, so the next start adds it again: remove it there too.' : '';
    return { found: true, message: `Removed ${feed.name ?? feed.url} (${feed.url}): no destination gets it any more.${warning}` };
  });
}

/** `herald feeds` with its arguments parsed by feedsSpec (specs.ts), which holds its help and options. */
export const runFeeds: CommandRun = async (values, positionals) => {
  const [action, file, ...extra] = positionals;
  if (extra.length > 0 || (action === 'list' && file !== undefined)) throw new UsageError(`unexpected argument "${extra[0] ?? file}"`);
  const config = await loadConfig(configFileOf(values));
  if (action === 'list') {
    const entries = await withFeedStore(config, (store) => store.listWithState());
    process.stdout.write(`${feedTable(entries, new Date())}\n`);
    return 0;
  }
  if (action === 'remove') {
    if (!file) throw new UsageError('feeds remove needs the feed\'s id or URL, e.g. herald feeds remove https://example.com/feed.xml (herald feeds list shows them)');
    const removed = await removeFeed(file, config);
    (removed.found ? process.stdout : process.stderr).write(`${removed.found ? '' : 'herald feeds: '}${removed.message}\n`);
    return removed.found ? 0 : 1;
  }
  if (action === 'import') {
    if (!file) throw new UsageError('feeds import needs the OPML file, e.g. herald feeds import subscriptions.opml');
    const read = await readOpml(file);
    if ('problem' in read) {
      process.stderr.write(`herald feeds: ${read.problem}\n`);
      return 1;
    }
    process.stdout.write(`${(await importOpml(file, read.parsed, config)).join('\n')}\n`);
    return 0;
  }
  if (action === 'export') {
    const feeds = await withFeedStore(config, (store) => store.list());
    const opml = toOpml(feeds);
    if (!file) {
      process.stdout.write(opml);
      return 0;
    }
    await writeFile(file, opml);
    process.stderr.write(`Wrote ${feeds.length} feed(s) to ${file}.\n`);
    return 0;
  }
  const actions = 'list, remove URL_OR_ID, import FILE.opml or export [FILE], e.g. herald feeds list';
  throw new UsageError(action === undefined ? `say what to do: ${actions}` : `unknown action "${action}": use ${actions}`);
};
