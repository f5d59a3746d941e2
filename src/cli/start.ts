import { loadConfig } from '../config/load.js';
import type { HeraldConfig } from '../config/schema.js';
import { defaultFetchOptions, sharedHostLimiter } from '../feeds/fetch.js';
import { createLogger, type Logger } from '../log.js';
import { HeraldMetrics } from '../observability/metrics.js';
import { startHttpServer, type RunningHttpServer } from '../observability/http-server.js';
import { countDiscordRateLimits, countSentParts, countTelegramRateLimits } from '../observability/platform-metrics.js';
import { redisReadiness, type ReadinessCheck } from '../observability/readiness.js';
import { ConsoleSender } from '../platforms/console/sender.js';
import { RedisRateLimiter } from '../platforms/rate-limiter.js';
import type { TelegramTransport } from '../platforms/telegram/transport.js';
import { TokenRejectedError } from '../platforms/token-rejected.js';
import { createRedisConnection } from '../queue/connection.js';
import type { RunningBots } from '../runtime/bots.js';
import { limitHeapGrowth } from '../runtime/heap-growth.js';
import { ensureRedis } from '../runtime/redis-server.js';
import { waitForRedis } from '../runtime/redis-wait.js';
import { installShutdown } from '../runtime/shutdown.js';
import { logFeedSummary, logNextBriefings } from '../runtime/startup-summary.js';
import { startWorkers, type Senders } from '../runtime/workers.js';
import { createKeys } from '../store/keys.js';
import { configFileOf, rejectPositionals, UsageError, type CommandRun } from './command.js';
import { redisEndpointOf } from './redis-target.js';

const ROLES = ['bot', 'worker', 'scheduler'] as const;
type Role = (typeof ROLES)[number];

export function parseRoles(value: string | undefined): Set<Role> {
  if (value === undefined || value === 'all') return new Set(ROLES);
  const roles = value.split(',').map((role) => role.trim());
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length > 0 || roles.length === 0) throw new UsageError(`--role takes ${ROLES.join(', ')} or all, comma-separated (e.g. --role bot,scheduler); got "${value}"`);
  return new Set(roles as Role[]);
}

/**
 * Platform and bot modules are imported only by a process that uses them: discord.js takes a
 * second and 40 MB to load, grammY and the bots' command layer a few hundred ms and 15 MB that a
 * worker without a token or bot role has no use for.
 */
const discord = {
  client: () => import('../platforms/discord/client.js'),
  sender: () => import('../platforms/discord/sender.js'),
};
const telegram = {
  client: () => import('../platforms/telegram/client.js'),
  sender: () => import('../platforms/telegram/sender.js'),
  transport: () => import('../platforms/telegram/transport.js'),
};
const bots = {
  runtime: () => import('../runtime/bots.js'),
  services: () => import('../commands/services-wiring.js'),
};

/** The process's one paced path to Telegram: the delivery workers and the bot's replies share it, and its 429s are counted. */
async function createTelegramTransport(config: HeraldConfig, limiter: RedisRateLimiter, metrics: HeraldMetrics): Promise<TelegramTransport | undefined> {
  if (!config.telegram.token) return undefined;
  const [{ createTelegramApi }, { TelegramTransport }] = await Promise.all([telegram.client(), telegram.transport()]);
  const api = createTelegramApi(config.telegram);
  countTelegramRateLimits(api, metrics);
  return new TelegramTransport({ api, limiter, paidBroadcast: config.telegram.paidBroadcast });
}

async function createSenders(config: HeraldConfig, transport: TelegramTransport | undefined, limiter: RedisRateLimiter, metrics: HeraldMetrics): Promise<Senders> {
  const senders: Senders = { console: countSentParts(new ConsoleSender(), metrics) };
  if (transport) {
    const { TelegramSender } = await telegram.sender();
    senders.telegram = countSentParts(new TelegramSender({ transport }), metrics);
  }
  if (config.discord.token) {
    const [{ createDiscordRest }, { DiscordSender }] = await Promise.all([discord.client(), discord.sender()]);
    const rest = createDiscordRest(config.discord);
    countDiscordRateLimits(rest, metrics);
    senders.discord = countSentParts(new DiscordSender({ rest, pacer: limiter }), metrics);
  }
  return senders;
}

/** The health/metrics server is for operators; a busy port must not keep the bot from running. */
async function startOperatorEndpoints(options: Parameters<typeof startHttpServer>[0], logger: Logger): Promise<RunningHttpServer | undefined> {
  try {
    const server = await startHttpServer(options);
    logger.info(`health and metrics on ${server.url} (/healthz, /readyz, /metrics${options.dashboard ? ', /admin/queues' : ''})`);
    return server;
  } catch (error) {
    logger.warn({ err: error }, `health server not started on ${options.host}:${options.port}: set health.port in the config (0 picks a free port)`);
    return undefined;
  }
}

/** `herald start` with its arguments parsed by startSpec (specs.ts), which holds its help and options. */
export const runStart: CommandRun = async (values, positionals) => {
  rejectPositionals(positionals);
  // Before the config of thousands of feeds is read: from the first full GC on.
  limitHeapGrowth();
  const roles = parseRoles(values.role as string | undefined);
  const config = await loadConfig(configFileOf(values));
  const logger = createLogger();
  const configured = redisEndpointOf(config);
  const redisTarget = await ensureRedis({ url: config.redis.url, ...(configured.kind === 'single' ? {} : { endpoint: configured }) });
  logger.info(redisTarget.description);

  const connection = createRedisConnection(redisTarget.endpoint, { name: 'herald', logger });
  const closeRedis = async () => {
    await connection.quit();
    redisTarget.child?.kill('SIGTERM');
  };
  await waitForRedis(connection, redisTarget.endpoint, logger);
  if (roles.has('bot')) {
    // Before anything starts: a refused token is the one mistake no retry can mend.
    try {
      await (await bots.runtime()).checkBotTokens(config);
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      logger.error({ platform: error.platform }, error.message);
      await closeRedis();
      return 1;
    }
  }

  const metrics = new HeraldMetrics({ process: true });
  const keys = createKeys(config.redis.prefix);
  const limiter = new RedisRateLimiter(connection, keys.rateLimitPrefix());
  const telegramTransport = await createTelegramTransport(config, limiter, metrics);
  // Polls and the bots' trial fetches of every process share the per-host limit, through Redis.
  const fetchOptions = { ...defaultFetchOptions(config.fetch), limiter: sharedHostLimiter(connection, config) };
  const workers = await startWorkers({
    config,
    connection,
    senders: await createSenders(config, telegramTransport, limiter, metrics),
    logger,
    roles: { worker: roles.has('worker'), scheduler: roles.has('scheduler') },
    metrics,
    fetchOptions,
    subscriptionSchedulersInBackground: true,
  });
  const scheduling = workers.schedulerStart;
  if (scheduling) logFeedSummary(scheduling.feeds, logger);
  // Settles with the error, if any, so that a failure in the background is never an unhandled rejection.
  const schedulingFailed = scheduling?.done
    .then((active) => active && logNextBriefings({ active, composeQueue: workers.queues.compose, logger }))
    .then(
      () => undefined,
      (error: unknown) => error ?? new Error('subscription schedulers not written'),
    );
  // With nothing left to write the next briefings are known now, and logged before "Herald is running".
  if (scheduling?.pending === 0) {
    const error = await schedulingFailed;
    if (error !== undefined) throw error;
  }

  const readiness: ReadinessCheck[] = [redisReadiness(connection)];
  // Filled in as they start; a refused token may stop Herald before all of them are up.
  const running: { http?: RunningHttpServer | undefined; bots?: RunningBots } = {};
  const stopHerald = installShutdown(async () => {
    await running.http?.close();
    await running.bots?.stop();
    await workers.close();
    await closeRedis();
  }, logger);
  if (roles.has('bot')) {
    const [{ startBots }, { createCommandServices }] = await Promise.all([bots.runtime(), bots.services()]);
    const services = createCommandServices({
      config,
      redis: connection,
      keys,
      pollQueue: workers.queues.poll,
      composeQueue: workers.queues.compose,
      deliverQueue: workers.queues.deliver,
      fetchOptions,
      logger,
      metrics,
    });
    // Each bot comes up in the background: an unreachable platform holds up neither the other nor the workers.
    running.bots = startBots({ config, services, logger, metrics, telegramTransport, onTokenRejected: () => stopHerald(1) });
    readiness.push(...running.bots.readiness);
    if (!config.telegram.token && !config.discord.token) {
      logger.info('no TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN: briefings are printed on this console');
    }
  }

  running.http = await startOperatorEndpoints(
    {
      port: config.health.port,
      host: config.health.host,
      metrics,
      readiness,
      ...(config.dashboard ? { dashboard: { ...config.dashboard, queues: workers.jobQueues } } : {}),
      logger,
    },
    logger,
  );
  const pending = scheduling?.pending ?? 0;
  if (pending === 0) logger.info({ roles: [...roles] }, 'Herald is running');
  else logger.info({ roles: [...roles], subscriptionSchedulersPending: pending }, `Herald is running; ${pending} subscription schedulers are being written in the background, each subscription's next briefing is logged once they are in place`);
  // A scheduler that cannot be written stopped the start when all were written first: it still stops Herald.
  void schedulingFailed?.then((error) => {
    if (error === undefined) return;
    logger.error({ err: error }, 'subscription schedulers could not be written: stopping');
    void stopHerald(1);
  });
  // Runs until a signal (or a refused token): installShutdown exits the process.
  return new Promise<number>(() => undefined);
};
