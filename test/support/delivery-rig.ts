import type { RedisClient } from '../../src/store/client.js';
import { RedisRateLimiter } from '../../src/platforms/rate-limiter.js';
import { createTelegramApi } from '../../src/platforms/telegram/client.js';
import { TelegramSender } from '../../src/platforms/telegram/sender.js';
import { TelegramTransport, type TelegramPacing } from '../../src/platforms/telegram/transport.js';
import type { TelegramPart } from '../../src/render/index.js';
import type { BriefingStore, StoredBriefing } from '../../src/store/briefings.js';

/** Pacing so loose that only the emulator's own limits (if any) hold a message back. */
export const UNPACED: TelegramPacing = { global: { limit: 100_000, perMs: 1000 }, perChat: { limit: 100_000, perMs: 1000 }, perGroup: { limit: 100_000, perMs: 1000 } };

export const RIG_TOKEN = '4242:delivery-rig';

/** A Telegram sender against the emulator, as a worker process builds it. */
export function rigSender(redis: RedisClient, apiRoot: string, options: { pacing?: TelegramPacing; timeoutSeconds?: number } = {}): TelegramSender {
  const api = createTelegramApi({ token: RIG_TOKEN, apiRoot, owners: [] }, { timeoutSeconds: options.timeoutSeconds ?? 5 });
  return new TelegramSender({
    transport: new TelegramTransport({ api, limiter: new RedisRateLimiter(redis, 'rig:{ratelimit}:'), pacing: options.pacing ?? UNPACED }),
    maxInlineRetryAfterMs: 0,
  });
}

/** A Telegram HTML part without link previews, as the renderer makes them. */
export function telegramPart(text: string): TelegramPart {
  return { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
}

/** Saves a briefing of `parts` Telegram parts ("<b>Part 1/3</b> …") and returns its id. */
export async function saveTestBriefing(briefings: BriefingStore, id: string, parts = 3): Promise<StoredBriefing> {
  const stored: StoredBriefing = {
    id,
    briefing: { title: 'Morning briefing', date: '2025-03-11', timezone: 'UTC', sections: [], stats: { itemsIn: 0, duplicatesDropped: 0, stories: 0 } },
    parts: {
      telegram: Array.from({ length: parts }, (_, i) => telegramPart(`<b>Part ${i + 1}/${parts}</b> of ${id}`)),
      discord: Array.from({ length: parts }, (_, i) => ({ content: `Part ${i + 1}/${parts} of ${id}`, allowed_mentions: { parse: [] } })),
      text: Array.from({ length: parts }, (_, i) => ({ text: `Part ${i + 1}/${parts} of ${id}` })),
    },
    window: { from: '2025-03-10T07:30:00.000Z', to: '2025-03-11T07:30:00.000Z' },
  };
  await briefings.save(stored);
  return stored;
}
