import type { Client } from 'discord.js';
import type { RedisClient } from '../store/client.js';

/** One thing `/readyz` asks: resolves when ready, throws saying why not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Redis answers PING. With BullMQ's never-failing connection a PING waits through an outage, so the check's timeout decides. */
export function redisReadiness(redis: Pick<RedisClient, 'ping'>): ReadinessCheck {
  return {
    name: 'redis',
    async check() {
      await redis.ping();
    },
  };
}

/** The Discord gateway session is up (discord.js reconnects by itself; until then slash commands go unanswered). */
export function discordReadiness(client: Pick<Client, 'isReady'>): ReadinessCheck {
  return {
    name: 'discord',
    async check() {
      if (!client.isReady()) throw new Error('gateway not connected');
    },
  };
}

/** Telegram updates are being received: `isRunning` is the long-polling runner's (or true for a webhook). */
export function telegramReadiness(isRunning: () => boolean): ReadinessCheck {
  return {
    name: 'telegram',
    async check() {
      if (!isRunning()) throw new Error('not receiving updates');
    },
  };
}
