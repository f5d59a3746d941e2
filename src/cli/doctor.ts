import { access } from 'node:fs/promises';
import type { RedisClient } from '../store/client.js';
import { ConfigError } from '../config/config-error.js';
import { DEFAULT_CONFIG_FILE, ENVIRONMENT, loadConfig, missingConfigAdvice } from '../config/load.js';
import type { HeraldConfig } from '../config/schema.js';
import { redirectConflicts } from '../commands/feed-health.js';
import type { Feed, FeedStateView } from '../feeds/item.js';
import { FeedStore } from '../store/feeds.js';
import { createKeys } from '../store/keys.js';
import { SubscriptionStore } from '../store/subscriptions.js';
import type { Subscription } from '../subscriptions/model.js';
import { configFileOf, rejectPositionals, type CommandRun } from './command.js';
import { checkLlm } from './doctor/llm-checks.js';
import { checkRedis } from './doctor/redis-checks.js';
import { describeError, formatReport, type CheckResult } from './doctor/report.js';
import { checkTelegram } from './doctor/telegram-checks.js';
import { describeEndpoint } from '../queue/connection.js';
import { connectOnce, redisEndpointOf } from './redis-target.js';

/** Says which file was read, since "no file here, all defaults" is an easy way to miss one's own config. */
async function configResult(config: HeraldConfig, file: string): Promise<CheckResult> {
  const platforms = [config.telegram.token && 'Telegram', config.discord.token && 'Discord'].filter(Boolean);
  const found = await access(file).then(
    () => true,
    () => false,
  );
  const source = found ? file : `no ${file} in ${process.cwd()}, so all defaults`;
  return {
    name: 'config',
    status: 'ok',
    detail: `${source}: ${config.feeds.length} feed(s) listed; ${platforms.length ? platforms.join(' and ') : 'no platform token (briefings go to the console)'}`,
  };
}

type StoredFeed = { feed: Feed; state: FeedStateView };

function feedsResult(feeds: StoredFeed[], config: HeraldConfig): CheckResult {
  const disabled = feeds.filter(({ state }) => state.disabledReason !== undefined);
  const failing = feeds.filter(({ state }) => state.disabledReason === undefined && state.consecutiveFailures > 0);
  const summary = `${feeds.length} stored, ${disabled.length} disabled, ${failing.length} failing`;
  const example = disabled[0] ?? failing[0];
  if (example === undefined) return { name: 'feeds', status: 'ok', detail: summary };
  // A feed's failed polls are recorded on the feed and logged only at debug level: this is where an operator sees why.
  return {
    name: 'feeds',
    status: 'warn',
    detail: `${summary}; e.g. ${example.feed.url}: ${example.state.disabledReason ?? example.state.lastError}`,
    fix:
      disabled.length > 0
        ? 'fix or remove the disabled feeds; /status in a chat lists them with their errors'
        : `a failing feed is retried with backoff and disabled after ${config.fetch.disableAfterFailures} failures in a row; \`herald preview URL\` shows its problem at once`,
  };
}

/**
 * Feeds whose permanent redirect leads onto another feed's URL: both fetch one document, and
 * the poll only logs it once (when it starts), so this is where an operator finds them later.
 */
function redirectsResult(feeds: StoredFeed[]): CheckResult {
  const conflicts = redirectConflicts(feeds);
  const [example] = conflicts;
  const name = 'feed redirects';
  if (example === undefined) return { name, status: 'ok', detail: 'no feed redirects onto another feed’s URL' };
  return {
    name,
    status: 'warn',
    detail: `${conflicts.length} feed(s) redirect onto another feed’s URL; e.g. ${example.feed.url} ${example.conflict}`,
    fix: 'Herald does not merge the two (their followers differ): `herald feeds list` lists every such pair, `herald feeds remove ID` removes one',
  };
}

/** Everything that needs Redis: its own health, the stored feeds, the subscriptions to check on the platforms. */
async function redisResults(config: HeraldConfig, progress: (step: string) => void): Promise<{ results: CheckResult[]; subscriptions: Subscription[] }> {
  const endpoint = redisEndpointOf(config);
  progress(`Redis: connecting to ${describeEndpoint(endpoint)}`);
  let redis: RedisClient;
  try {
    redis = await connectOnce(endpoint);
  } catch (error) {
    const fix = 'start Redis (apt-get install redis-server, or docker compose up redis), or set REDIS_URL to where it runs';
    return { results: [{ name: 'redis', status: 'problem', detail: describeError(error), fix }], subscriptions: [] };
  }
  try {
    const results = await checkRedis(redis, endpoint);
    const feeds = await new FeedStore(redis, createKeys(config.redis.prefix)).listWithState();
    results.push(feedsResult(feeds, config), redirectsResult(feeds));
    const subscriptions = await new SubscriptionStore(redis, createKeys(config.redis.prefix)).list();
    return { results, subscriptions };
  } finally {
    redis.disconnect();
  }
}

/** Runs every check in order, telling `progress` what it is doing; never throws. */
export async function runDoctor(configFile: string | undefined, progress: (step: string) => void): Promise<CheckResult[]> {
  progress('reading the configuration');
  let config: HeraldConfig;
  try {
    config = await loadConfig(configFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A file that is not there has nothing to correct: say how to make one.
    if (error.missingFile) return [{ name: 'config', status: 'problem', detail: `${error.source} does not exist`, fix: missingConfigAdvice(error.source) }];
    return [{ name: 'config', status: 'problem', detail: error.problems.join('; '), fix: error.source === ENVIRONMENT ? 'correct the environment variable named' : `correct ${error.source}` }];
  }
  const results = [await configResult(config, configFile ?? DEFAULT_CONFIG_FILE)];
  const { results: stored, subscriptions } = await redisResults(config, progress);
  results.push(...stored);
  const on = (platform: string) => subscriptions.filter((subscription) => subscription.destination.platform === platform);
  results.push(...(await checkTelegram(config.telegram, on('telegram'), progress)));
  // Loaded here, not with the CLI: discord.js costs every other command a second and 40 MB.
  const { checkDiscord } = await import('./doctor/discord-checks.js');
  results.push(...(await checkDiscord(config.discord, on('discord'), progress)));
  results.push(await checkLlm(config.llm, progress));
  return results;
}

/** `herald doctor` with its arguments parsed by doctorSpec (specs.ts), which holds its help and options. */
export const runDoctorCommand: CommandRun = async (values, positionals) => {
  rejectPositionals(positionals);
  const progress = (step: string) => process.stderr.write(`… ${step}\n`);
  const results = await runDoctor(configFileOf(values), progress);
  process.stdout.write(`${formatReport(results)}\n`);
  return results.some((result) => result.status === 'problem') ? 1 : 0;
};
