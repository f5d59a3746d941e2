/**
 * Sends rendered briefing parts to Telegram through the shared transport, in its bulk lane, so
 * that all worker processes together (and the bot's replies ahead of them) stay under
 * Telegram's limits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TelegramPart } from '../../render/telegram-html.js';
import { DeliveryError, type DeliveryFailure, type Destination, type PlatformSender, SendCancelled, type SendContext, type SentPart } from '../delivery.js';
import { classifyTelegramError } from './errors.js';
import type { TelegramTransport } from './transport.js';

export interface TelegramSenderOptions {
  transport: TelegramTransport;
  /**
   * A 429 whose retry_after is at most this long is waited out here and the part sent once
   * more; a longer one (or a second 429) goes back to the job as transient with
   * `retryAfterMs`, so a worker slot is not held for minutes. Default 10 s; 0 never waits.
   */
  maxInlineRetryAfterMs?: number;
}

/** Telegram delivery for the delivery job: one part per call, in the order given. */
export class TelegramSender implements PlatformSender<TelegramPart> {
  readonly platform = 'telegram' as const;
  private readonly transport: TelegramTransport;
  private readonly maxInlineRetryAfterMs: number;

  constructor(options: TelegramSenderOptions) {
    this.transport = options.transport;
    this.maxInlineRetryAfterMs = options.maxInlineRetryAfterMs ?? 10_000;
  }

  /**
   * Sends one part, waiting for the shared rate limiter first. Throws DeliveryError: permanent
   * (blocked, kicked, chat gone, no rights; scope 'part' when only this payload was refused),
   * moved (group upgraded to a supergroup), or transient (429, 5xx, network). Of the context
   * Telegram needs only `beforeRequest`: parts are plain messages in a chat (or topic), and
   * the Bot API has no idempotency key.
   */
  async send(destination: Destination, part: TelegramPart, context?: SendContext): Promise<SentPart> {
    const threadId = parseThreadId(destination);
    const sendPaced = () => this.sendPaced(destination, threadId, part, context?.beforeRequest);
    try {
      return await sendPaced();
    } catch (error) {
      if (error instanceof SendCancelled) throw error;
      const failure = classifyTelegramError(error);
      const retryAfterMs = failure.kind === 'transient' ? failure.retryAfterMs : undefined;
      if (retryAfterMs === undefined || retryAfterMs > this.maxInlineRetryAfterMs) throw this.deliveryError(destination, failure);
      await sleep(retryAfterMs);
      try {
        return await sendPaced();
      } catch (again) {
        if (again instanceof SendCancelled) throw again;
        throw this.deliveryError(destination, classifyTelegramError(again));
      }
    }
  }

  private async sendPaced(destination: Destination, threadId: number | undefined, part: TelegramPart, beforeRequest: SendContext['beforeRequest']): Promise<SentPart> {
    const message = await this.transport.send(
      destination,
      'bulk',
      (api) =>
        api.sendMessage(destination.chatId, part.text, {
          parse_mode: part.parse_mode,
          link_preview_options: part.link_preview_options,
          ...(threadId !== undefined && { message_thread_id: threadId }),
        }),
      beforeRequest,
    );
    return { messageId: String(message.message_id) };
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
