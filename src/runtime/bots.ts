/**
 * The bot role of `herald start`: the tokens checked before anything else starts (a refused one
 * stops Herald at once, with the fix), then each configured platform's bot brought up in the
 * background, retried while its platform cannot be reached.
 */
import type { CommandServices } from '../commands/services.js';
import type { HeraldConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { HeraldMetrics } from '../observability/metrics.js';
import { discordReadiness, telegramReadiness, type ReadinessCheck } from '../observability/readiness.js';
import { startDiscordBot } from '../platforms/discord/bot.js';
import { verifyDiscordToken } from '../platforms/discord/bot-login.js';
import { startTelegramBot } from '../platforms/telegram/bot.js';
import { verifyTelegramToken } from '../platforms/telegram/bot-login.js';
import { createTelegramApi } from '../platforms/telegram/client.js';
import type { TelegramTransport } from '../platforms/telegram/transport.js';
import { TokenRejectedError } from '../platforms/token-rejected.js';
import { PlatformStartup } from './platform-startup.js';

/** The check before start-up waits this long per platform; an unreachable one is retried later anyway. */
const TOKEN_CHECK_TIMEOUT_MS = 5_000;

/**
 * Asks each configured platform whom its token belongs to, both at once. Throws the
 * TokenRejectedError of a refused token; a platform that cannot be reached passes (the bot's
 * start-up retries it and says so).
 */
export async function checkBotTokens(config: HeraldConfig): Promise<void> {
  const signal = AbortSignal.timeout(TOKEN_CHECK_TIMEOUT_MS);
  const checks: Array<Promise<unknown>> = [];
  if (config.telegram.token) checks.push(verifyTelegramToken(createTelegramApi(config.telegram), config.telegram, signal));
  if (config.discord.token) checks.push(verifyDiscordToken(config.discord, signal));
  const outcomes = await Promise.allSettled(checks);
  for (const outcome of outcomes) if (outcome.status === 'rejected' && outcome.reason instanceof TokenRejectedError) throw outcome.reason;
}

export interface StartBotsOptions {
  config: HeraldConfig;
  services: CommandServices;
  logger: Logger;
  metrics: HeraldMetrics;
  /** Present when a Telegram token is configured: the paced path the bot's replies share with deliveries. */
  telegramTransport: TelegramTransport | undefined;
  /** A platform refused its token after start-up (revoked while Herald ran, or while the platform was unreachable). */
  onTokenRejected(error: TokenRejectedError): void;
}

export interface RunningBots {
  /** One check per configured platform, for /readyz. */
  readiness: ReadinessCheck[];
  stop(): Promise<void>;
}

/** Starts the configured bots in the background; neither waits for the other, nor for its platform. */
export function startBots(options: StartBotsOptions): RunningBots {
  const { config, services, logger, metrics, telegramTransport: transport, onTokenRejected } = options;
  const startups: PlatformStartup[] = [];
  if (transport) {
    startups.push(
      new PlatformStartup({
        platform: 'telegram',
        logger,
        onTokenRejected,
        async connect(signal) {
          const bot = await startTelegramBot({ config, services, logger, transport, metrics, signal });
          return { stop: () => bot.stop(), readiness: telegramReadiness(() => bot.isRunning()) };
        },
      }),
    );
  }
  if (config.discord.token) {
    startups.push(
      new PlatformStartup({
        platform: 'discord',
        logger,
        onTokenRejected,
        async connect(signal) {
          const bot = await startDiscordBot({ config, services, logger, metrics, signal });
          return { stop: () => bot.stop(), readiness: discordReadiness(bot.client) };
        },
      }),
    );
  }
  for (const startup of startups) startup.start();
  return {
    readiness: startups.map((startup) => startup.readiness()),
    async stop() {
      await Promise.all(startups.map((startup) => startup.stop()));
    },
  };
}
