/**
 * The one path for everything Herald sends to Telegram: briefing parts and alerts (bulk lane),
 * command replies, confirmations, exported files and /preview parts (interactive lane). Every
 * message takes its slot in the shared Redis rate limiter first, in the buckets Telegram
 * counts it in, so all processes and both lanes together stay within Telegram's limits.
 */
import type { Api } from 'grammy';
import type { Destination } from '../delivery.js';
import type { Lane, RateBucket, RedisRateLimiter } from '../rate-limiter.js';

type Window = Pick<RateBucket, 'limit' | 'perMs'>;

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

/** A chat as the limits see it: its id, and its kind when known. */
export type TelegramChat = Pick<Destination, 'chatId' | 'channelKind'>;

export interface TelegramTransportOptions {
  api: Api;
  limiter: Pick<RedisRateLimiter, 'acquire'>;
  pacing?: TelegramPacing;
}

const GROUP_KINDS = new Set<Destination['channelKind']>(['group', 'supergroup', 'channel']);

/** Groups and channels have negative ids or an @username; private chats positive ids. */
function isGroupLike(chat: TelegramChat): boolean {
  if (chat.channelKind) return GROUP_KINDS.has(chat.channelKind);
  return chat.chatId.startsWith('-') || chat.chatId.startsWith('@');
}

/** Paced access to one bot's Bot API. */
export class TelegramTransport {
  readonly api: Api;
  private readonly limiter: Pick<RedisRateLimiter, 'acquire'>;
  private readonly pacing: TelegramPacing;
  /** Limits belong to the bot, so two bots sharing one Redis do not share buckets. */
  private readonly bucketPrefix: string;

  constructor(options: TelegramTransportOptions) {
    this.api = options.api;
    this.limiter = options.limiter;
    this.pacing = options.pacing ?? TELEGRAM_PACING;
    this.bucketPrefix = `telegram:bot${options.api.token.split(':')[0]}:`;
  }

  /**
   * Waits for a slot for one message into `chat` in `lane`, then makes `request` (one API call
   * that posts one message). `beforeRequest` runs between the two: the last moment to call the
   * send off. Errors pass through as grammY threw them.
   */
  async send<T>(chat: TelegramChat, lane: Lane, request: (api: Api) => Promise<T>, beforeRequest?: () => Promise<void>): Promise<T> {
    await this.limiter.acquire(this.bucketsFor(chat), { lane });
    await beforeRequest?.();
    return request(this.api);
  }

  /**
   * Makes a call that posts nothing into any chat (answering a button press): it takes a slot
   * in the bot's global bucket alone, so it neither waits for nor delays the chat's messages.
   */
  async call<T>(lane: Lane, request: (api: Api) => Promise<T>): Promise<T> {
    await this.limiter.acquire([{ key: `${this.bucketPrefix}global`, ...this.pacing.global }], { lane });
    return request(this.api);
  }

  private bucketsFor(chat: TelegramChat): RateBucket[] {
    const key = (name: string) => this.bucketPrefix + name;
    const buckets = [
      { key: key('global'), ...this.pacing.global },
      { key: key(`chat:${chat.chatId}`), ...this.pacing.perChat },
    ];
    if (isGroupLike(chat)) buckets.push({ key: key(`group:${chat.chatId}`), ...this.pacing.perGroup });
    return buckets;
  }
}
