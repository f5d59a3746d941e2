/**
 * Sends rendered briefing parts to Telegram through grammY, paced by the shared Redis rate
 * limiter so that all worker processes together stay under Telegram's limits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Api } from 'grammy';
import type { TelegramPart } from '../../render/telegram-html.js';
import { DeliveryError, type DeliveryFailure, type Destination, type PlatformSender, type SentPart } from '../delivery.js';
import type { RateBucket, RedisRateLimiter } from '../rate-limiter.js';
import { classifyTelegramError } from './errors.js';

type Window = Pick<RateBucket, 'limit' | 'perMs'>;
type SendContext = Parameters<PlatformSender<TelegramPart>['send']>[2];

/** How fast to send: across all chats, into one chat, into one group or channel. */
export interface TelegramPacing {
  global: Window;
  perChat: Window;
  perGroup: Window;
}

/**
 * Telegram's published limits (30/s per bot, 1/s per chat, 20/min per group) with windows 10%
 * longer: requests reach Telegram a little bunched by the network and the event loop, and
 * Telegram counts them when they arrive, not when we admitted them. The global limit is
 * spread as 3 per 110 ms (hence at most 30 per 1.1 s): a burst of 30 at once arrived bunched
 * enough on a busy machine to draw 429s in the benchmark; bursts of 3 did not.
 */
export const TELEGRAM_PACING: TelegramPacing = {
  global: { limit: 3, perMs: 110 },
  perChat: { limit: 1, perMs: 1100 },
  perGroup: { limit: 20, perMs: 66_000 },
};

export interface TelegramSenderOptions {
  api: Api;
  limiter: Pick<RedisRateLimiter, 'acquire'>;
  pacing?: TelegramPacing;
  /**
   * A 429 whose retry_after is at most this long is waited out here and the part sent once
   * more; a longer one (or a second 429) goes back to the job as transient with
   * `retryAfterMs`, so a worker slot is not held for minutes. Default 10 s; 0 never waits.
   */
  maxInlineRetryAfterMs?: number;
}

const GROUP_KINDS = new Set<Destination['channelKind']>(['group', 'supergroup', 'channel']);

/** Groups and channels have negative ids or an @username; private chats positive ids. */
function isGroupLike(destination: Destination): boolean {
  if (destination.channelKind) return GROUP_KINDS.has(destination.channelKind);
  return destination.chatId.startsWith('-') || destination.chatId.startsWith('@');
}

/** Telegram delivery for the delivery job: one part per call, in the order given. */
export class TelegramSender implements PlatformSender<TelegramPart> {
  readonly platform = 'telegram' as const;
  private readonly api: Api;
  private readonly limiter: Pick<RedisRateLimiter, 'acquire'>;
  private readonly pacing: TelegramPacing;
  private readonly maxInlineRetryAfterMs: number;
  /** Limits belong to the bot, so two bots sharing one Redis do not share buckets. */
  private readonly bucketPrefix: string;

  constructor(options: TelegramSenderOptions) {
    this.api = options.api;
    this.limiter = options.limiter;
    this.pacing = options.pacing ?? TELEGRAM_PACING;
    this.maxInlineRetryAfterMs = options.maxInlineRetryAfterMs ?? 10_000;
    this.bucketPrefix = `telegram:bot${options.api.token.split(':')[0]}:`;
  }

  /**
   * Sends one part, waiting for the shared rate limiter first. Throws DeliveryError: permanent
   * (blocked, kicked, chat gone, no rights; scope 'part' when only this payload was refused),
   * moved (group upgraded to a supergroup), or transient (429, 5xx, network). Telegram needs
   * nothing from the context: parts are plain messages in a chat (or topic).
   */
  async send(destination: Destination, part: TelegramPart, _context?: SendContext): Promise<SentPart> {
    const threadId = parseThreadId(destination);
    try {
      return await this.sendPaced(destination, threadId, part);
    } catch (error) {
      const failure = classifyTelegramError(error);
      const retryAfterMs = failure.kind === 'transient' ? failure.retryAfterMs : undefined;
      if (retryAfterMs === undefined || retryAfterMs > this.maxInlineRetryAfterMs) throw this.deliveryError(destination, failure);
      await sleep(retryAfterMs);
      try {
        return await this.sendPaced(destination, threadId, part);
      } catch (again) {
        throw this.deliveryError(destination, classifyTelegramError(again));
      }
    }
  }

  private async sendPaced(destination: Destination, threadId: number | undefined, part: TelegramPart): Promise<SentPart> {
    await this.limiter.acquire(this.bucketsFor(destination));
    const message = await this.api.sendMessage(destination.chatId, part.text, {
      parse_mode: part.parse_mode,
      link_preview_options: part.link_preview_options,
      ...(threadId !== undefined && { message_thread_id: threadId }),
    });
    return { messageId: String(message.message_id) };
  }

  private bucketsFor(destination: Destination): RateBucket[] {
    const key = (name: string) => this.bucketPrefix + name;
    const buckets = [
      { key: key('global'), ...this.pacing.global },
      { key: key(`chat:${destination.chatId}`), ...this.pacing.perChat },
    ];
    if (isGroupLike(destination)) buckets.push({ key: key(`group:${destination.chatId}`), ...this.pacing.perGroup });
    return buckets;
  }

  private deliveryError(destination: Destination, failure: DeliveryFailure): DeliveryError {
    const detail = failure.kind === 'moved' ? `group moved to supergroup ${failure.newChatId}` : failure.reason;
    return new DeliveryError(failure, `Telegram chat ${destination.chatId}${destination.threadId ? ` (topic ${destination.threadId})` : ''}: ${detail}`);
  }
}

function parseThreadId(destination: Destination): number | undefined {
  if (destination.threadId === undefined) return undefined;
  if (!/^\d+$/.test(destination.threadId)) {
    throw new DeliveryError({ kind: 'permanent', scope: 'destination', reason: `forum topic id "${destination.threadId}" is not a number` }, `Telegram chat ${destination.chatId}: bad topic id`);
  }
  return Number(destination.threadId);
}
