import { loadConfig } from '../config/load.js';
import type { HeraldConfig } from '../config/schema.js';
import { createCommandServices } from '../commands/services-wiring.js';
import { defaultFetchOptions, sharedHostLimiter } from '../feeds/fetch.js';
import { createLogger, type Logger } from '../log.js';
import { HeraldMetrics } from '../observability/metrics.js';
import { startHttpServer, type RunningHttpServer } from '../observability/http-server.js';
import { countDiscordRateLimits, countSentParts, countTelegramRateLimits } from '../observability/platform-metrics.js';
import { redisReadiness, type ReadinessCheck } from '../observability/readiness.js';
import { ConsoleSender } from '../platforms/console/sender.js';
import { RedisRateLimiter } from '../platforms/rate-limiter.js';
import { createTelegramApi } from '../platforms/telegram/client.js';
import { TelegramSender } from '../platforms/telegram/sender.js';
import { TelegramTransport } from '../platforms/telegram/transport.js';
import { TokenRejectedError } from '../platforms/token-rejected.js';
import { createRedisConnection } from '../queue/connection.js';
import { checkBotTokens, startBots, type RunningBots } from '../runtime/bots.js';
import { ensureRedis } from '../runtime/redis-server.js';
import { waitForRedis } from '../runtime/redis-wait.js';
import { installShutdown } from '../runtime/shutdown.js';
import { logStartupSummary } from '../runtime/startup-summary.js';
import { startWorkers, type Senders } from '../runtime/workers.js';
import { FeedStore } from '../store/feeds.js';
import { createKeys } from '../store/keys.js';
import { SubscriptionStore } from '../store/subscriptions.js';
import { configFileOf, configOption, rejectPositionals, UsageError, type CliCommand } from './command.js';
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

/** The process's one paced path to Telegram: the delivery workers and the bot's replies share it, and its 429s are counted. */
function createTelegramTransport(config: HeraldConfig, limiter: RedisRateLimiter, metrics: HeraldMetrics): TelegramTransport | undefined {
  if (!config.telegram.token) return undefined;
  const api = createTelegramApi(config.telegram);
  countTelegramRateLimits(api, metrics);
  return new TelegramTransport({ api, limiter, paidBroadcast: config.telegram.paidBroadcast });
}

/** discord.js (a second and 40 MB to load) is imported only by a process that talks to Discord. */
const discord = {
  client: () => import('../platforms/discord/client.js'),
  sender: () => import('../platforms/discord/sender.js'),
};

async function createSenders(config: HeraldConfig, telegram: TelegramTransport | undefined, limiter: RedisRateLimiter, metrics: HeraldMetrics): Promise<Senders> {
  const senders: Senders = { console: countSentParts(new ConsoleSender(), metrics) };
  if (telegram) senders.telegram = countSentParts(new TelegramSender({ transport: telegram }), metrics);
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

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Runs Herald: the bots, the workers and the schedulers (one process, or split with --role).',
  usage: 'herald start [--config FILE] [--role ROLES]',
  options: {
    config: configOption.option,
    role: { type: 'string' },
  },
  optionHelp: {
    config: configOption.help,
    role: 'what this process does, comma-separated: bot (Telegram/Discord), worker (poll, compose, deliver), scheduler; default all',
  },
  optionValues: { config: 'FILE', role: 'ROLES' },
  details: [
    'Redis: REDIS_CLUSTER_NODES (a Redis Cluster), else REDIS_URL, else the server on 127.0.0.1:6379, else redis-server',
    'from PATH started with its data in ./data/. redis.sentinels and redis.name in the config reach a master through Sentinel.',
    'Without TELEGRAM_BOT_TOKEN and DISCORD_BOT_TOKEN the briefings are printed on this console.',
    'Briefings go out at defaults.briefingTime in defaults.timezone (07:30 UTC unless configured);',
    '`herald preview` shows one at once.',
    'Logs go to stdout: readable lines at a terminal, JSON lines otherwise (LOG_FORMAT=pretty|json to choose).',
    'A bot token the platform refuses stops Herald at once (exit 1) with how to get a new one; a platform',
    'that cannot be reached is retried in the background while /readyz answers 503 naming it.',
    'Ctrl-C or SIGTERM stops taking jobs, finishes those in flight and exits; a second one exits at once.',
    '',
    'Examples:',
    '  herald start',
    '  herald start --role worker',
    '  HERALD_CONFIG=/etc/herald.yaml herald start --role bot,scheduler',
  ].join('\n'),
  async run(values, positionals) {
    rejectPositionals(positionals);
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
        await checkBotTokens(config);
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
    const telegramTransport = createTelegramTransport(config, limiter, metrics);
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
    });
    if (roles.has('scheduler')) {
      await logStartupSummary({ feeds: new FeedStore(connection, keys), subscriptions: new SubscriptionStore(connection, keys), composeQueue: workers.queues.compose, logger });
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
    logger.info({ roles: [...roles] }, 'Herald is running');
    // Runs until a signal (or a refused token): installShutdown exits the process.
    return new Promise<number>(() => undefined);
  },
};
