import type { REST } from 'discord.js';
import type { Api } from 'grammy';
import type { PlatformSender } from '../platforms/delivery.js';
import type { HeraldMetrics } from './metrics.js';

/** Wraps a sender so every part it delivers is counted under its platform. */
export function countSentParts<Part>(sender: PlatformSender<Part>, metrics: HeraldMetrics): PlatformSender<Part> {
  return {
    platform: sender.platform,
    async send(destination, part, context) {
      const sent = await sender.send(destination, part, context);
      metrics.messageSent(sender.platform);
      return sent;
    },
  };
}

/** Counts Telegram's 429 answers, including those the sender waits out and retries itself. */
export function countTelegramRateLimits(api: Api, metrics: HeraldMetrics): void {
  api.config.use(async (previous, method, payload, signal) => {
    const response = await previous(method, payload, signal);
    if (!response.ok && response.error_code === 429) metrics.rateLimited('telegram');
    return response;
  });
}

/** Counts Discord's 429 answers, including those discord.js waits out and retries itself. */
export function countDiscordRateLimits(rest: REST, metrics: HeraldMetrics): void {
  rest.on('response', (_request, response) => {
    if (response.status === 429) metrics.rateLimited('discord');
  });
}
