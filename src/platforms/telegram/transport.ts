/**
 * The one path for everything Herald sends to Telegram: briefing parts and alerts (bulk lane),
 * command replies, confirmations, exported files and /preview parts (interactive lane). Every
 * message takes its slot in the shared Redis rate limiter first, in the buckets Telegram
 * counts it in, so all processes and both lanes together stay within Telegram's limits.
 */
import type { Api } from 'grammy';
import type { Destination } from '../delivery.js';
import { pacedWindow, type Lane, type RateBucket, type RedisRateLimiter } from '../rate-limiter.js';

type Window = Pick<RateBucket, 'limit' | 'perMs'>;

/** How fast to send: across all chats, into one chat, into one group or channel. */
export interface TelegramPacing {
  global: Window;
  perChat: Window;
  perGroup: Window;
}

/** Telegram's published limits: 30 messages/s per bot, 1/s per chat, 20/min per group. */
export const TELEGRAM_PACING: TelegramPacing = {
  global: pacedWindow(30, 1000),
  perChat: pacedWindow(1, 1000),
  perGroup: pacedWindow(20, 60_000),
};

/**
 * With paid broadcasts (Bot API 7.11, `allow_paid_broadcast`) Telegram takes up to 1,000
 * messages/s per bot, billing each one beyond the free limits in Stars; the limits per chat
 * and per group stay.
 */
export const PAID_BROADCAST_PACING: TelegramPacing = { ...TELEGRAM_PACING, global: pacedWindow(1000, 1000) };

/** The methods that post a message, the ones paid broadcasting applies to. */
const SEND_METHODS = new Set(['sendMessage', 'sendDocument']);

/** A chat as the limits see it: its id, and its kind when known. */
export type TelegramChat = Pick<Destination, 'chatId' | 'channelKind'>;

export interface TelegramTransportOptions {
  api: Api;
  limiter: Pick<RedisRateLimiter, 'send'>;
  /** Default TELEGRAM_PACING, or PAID_BROADCAST_PACING with `paidBroadcast`. */
  pacing?: TelegramPacing;
  /** Every message goes with `allow_paid_broadcast` (telegram.paidBroadcast in the config). */
  paidBroadcast?: boolean;
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
  private readonly limiter: Pick<RedisRateLimiter, 'send'>;
  private readonly pacing: TelegramPacing;
  /** Limits belong to the bot, so two bots sharing one Redis do not share buckets. */
  private readonly bucketPrefix: string;

  constructor(options: TelegramTransportOptions) {
    this.api = options.api;
    this.limiter = options.limiter;
    this.pacing = options.pacing ?? (options.paidBroadcast ? PAID_BROADCAST_PACING : TELEGRAM_PACING);
    if (options.paidBroadcast) {
      // On every send rather than in each caller, so no message can go at the paid rate without the flag.
      this.api.config.use((previous, method, payload, signal) => previous(method, SEND_METHODS.has(method) ? { ...payload, allow_paid_broadcast: true } : payload, signal));
    }
    this.bucketPrefix = `telegram:bot${options.api.token.split(':')[0]}:`;
  }

  /**
   * Waits for a slot for one message into `chat` in `lane`, then makes `request` (one API call
   * that posts one message). `beforeRequest` runs between the two: the last moment to call the
   * send off. Errors pass through as grammY threw them.
   */
  async send<T>(chat: TelegramChat, lane: Lane, request: (api: Api) => Promise<T>, beforeRequest?: () => Promise<void>): Promise<T> {
    return this.limiter.send(this.bucketsFor(chat), () => request(this.api), { lane, ...(beforeRequest && { confirm: beforeRequest }) });
  }

  /**
   * Makes a call that posts nothing into any chat (answering a button press): it takes a slot
   * in the bot's global bucket alone, so it neither waits for nor delays the chat's messages.
   */
  async call<T>(lane: Lane, request: (api: Api) => Promise<T>): Promise<T> {
    return this.limiter.send([{ key: `${this.bucketPrefix}global`, ...this.pacing.global }], () => request(this.api), { lane });
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
