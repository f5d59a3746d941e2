import { readFile, writeFile } from 'node:fs/promises';
import type { RedisClient } from '../store/client.js';
import { loadConfig } from '../config/load.js';
import type { HeraldConfig } from '../config/schema.js';
import { OpmlError, parseOpml, toOpml } from '../feeds/opml.js';
import { createPollQueue } from '../queue/poll-jobs.js';
import { scheduleNewFeed } from '../queue/schedulers.js';
import { FeedStore } from '../store/feeds.js';
import { createKeys } from '../store/keys.js';
import { configFileOf, configOption, UsageError, type CliCommand } from './command.js';
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
 * Adds the feeds of an OPML file to the store, each with its outline's section; a feed new to
 * Herald is scheduled and polled soon, as when added from a chat. Returns the report lines.
 */
async function importOpml(file: string, config: HeraldConfig): Promise<string[]> {
  let parsed;
  try {
    parsed = parseOpml(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof OpmlError) throw new UsageError(`${file}: ${error.message}`);
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return withFeedStore(config, async (feeds, redis) => {
    const queue = createPollQueue(redis, config.redis.prefix);
    const lines: string[] = [];
    let created = 0;
    try {
      for (const entry of parsed.feeds) {
        const added = await feeds.add({ url: entry.url, name: entry.title, section: entry.section, intervalMinutes: config.defaults.interval });
        const label = `${entry.title ?? entry.url}${entry.section ? ` [${entry.section}]` : ''}`;
        if (!added.created) {
          lines.push(`= ${label} (already known)`);
          continue;
        }
        created += 1;
        await scheduleNewFeed(queue, added.feed);
        lines.push(`+ ${label}`);
      }
    } finally {
      await queue.close();
    }
    lines.push(...parsed.skipped.map((reason) => `- skipped ${reason}`));
    lines.push(`Imported ${parsed.feeds.length} feed(s) from ${file}: ${created} new, ${parsed.feeds.length - created} already known, ${parsed.skipped.length} skipped.`);
    return lines;
  });
}

export const feedsCommand: CliCommand = {
  name: 'feeds',
  summary: 'Imports feeds from an OPML file into Herald, or exports Herald\'s feeds as OPML.',
  usage: 'herald feeds import FILE.opml [--config FILE] | herald feeds export [FILE] [--config FILE]',
  options: { config: configOption.option },
  optionHelp: { config: `${configOption.help}; gives the Redis URL and key prefix` },
  optionValues: { config: 'FILE' },
  details: [
    'Outlines that contain feeds become sections; feeds Herald already has are left alone. A running',
    '`herald start` polls the new feeds at once. Export writes to standard output without FILE.',
    'Redis: REDIS_URL (or redis.url in the config), else 127.0.0.1:6379; keys under HERALD_PREFIX.',
    '',
    'Examples:',
    '  herald feeds import subscriptions.opml',
    '  herald feeds export herald-feeds.opml',
  ].join('\n'),
  async run(values, positionals) {
    const [action, file, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const config = await loadConfig(configFileOf(values));
    if (action === 'import') {
      if (!file) throw new UsageError('feeds import needs the OPML file, e.g. herald feeds import subscriptions.opml');
      process.stdout.write(`${(await importOpml(file, config)).join('\n')}\n`);
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
    const actions = 'import FILE.opml or export [FILE], e.g. herald feeds export feeds.opml';
    throw new UsageError(action === undefined ? `say what to do: ${actions}` : `unknown action "${action}": use ${actions}`);
  },
};
