/**
 * discord.js clients built from Herald's configuration, so the token check, the REST base
 * (real Discord or a local emulator), the intents and the REST tuning are decided in one place.
 */
import { Client, GatewayIntentBits, REST, type RESTOptions } from 'discord.js';
import type { HeraldConfig } from '../../config/schema.js';

export type DiscordConfig = HeraldConfig['discord'];

/**
 * Slash commands and guild/channel caching need only the Guilds intent: Herald never reads
 * message content, so it asks for no privileged intent at all.
 */
const DISCORD_INTENTS = [GatewayIntentBits.Guilds] as const;

/** How long a send may wait for Discord before the delivery job retries it instead. */
const DEFAULT_REST_TIMEOUT_MS = 15_000;
/** Rate-limit waits longer than this fail the send as transient so a worker is not parked for minutes. */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 30_000;

export interface DiscordRestTuning {
  timeoutMs?: number;
  maxRateLimitWaitMs?: number;
}

function requireToken(config: DiscordConfig): string {
  const token = config.token?.trim();
  if (!token) {
    throw new Error(
      'discord.token is not set: create an application at https://discord.com/developers/applications, add a bot, and put its token in DISCORD_BOT_TOKEN (or discord.token in the config file)',
    );
  }
  return token;
}

/**
 * REST options: the API base, one retry only (the delivery job owns retries, with backoff and
 * a record of what was sent), a timeout, and a cap on how long a rate limit may be waited out.
 */
function discordRestOptions(config: DiscordConfig, tuning: DiscordRestTuning = {}): Partial<RESTOptions> {
  const maxWaitMs = tuning.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
  const api = config.apiBase?.replace(/\/+$/, '');
  return {
    ...(api ? { api } : {}),
    retries: 1,
    timeout: tuning.timeoutMs ?? DEFAULT_REST_TIMEOUT_MS,
    rejectOnRateLimit: (limit) => limit.retryAfter > maxWaitMs,
  };
}

/** A REST client with the bot token set: all a delivery worker needs (no gateway connection). */
export function createDiscordRest(config: DiscordConfig, tuning?: DiscordRestTuning): REST {
  return new REST(discordRestOptions(config, tuning)).setToken(requireToken(config));
}

/**
 * A gateway Client for the bot role (slash commands, guild cache). The token is checked and set
 * here, so a missing one fails at start-up; call `login()` (no argument) to connect and
 * `destroy()` to close.
 */
export function createDiscordClient(config: DiscordConfig, tuning?: DiscordRestTuning): Client {
  const client = new Client({ intents: [...DISCORD_INTENTS], rest: discordRestOptions(config, tuning) });
  client.token = requireToken(config);
  return client;
}
