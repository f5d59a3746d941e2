/**
 * The contract between the delivery job and a platform adapter. An adapter sends one rendered
 * part at a time; the job records each sent part before moving on, so a retry resumes at the
 * first unsent part and nothing is posted twice.
 */

export type PlatformName = 'telegram' | 'discord' | 'console';

/** Where a briefing goes. Ids are strings on every platform (Telegram ids exceed 2^53 in theory). */
export interface Destination {
  platform: PlatformName;
  /** Telegram chat id or @channelname; Discord channel id. */
  chatId: string;
  /** Telegram forum topic (message_thread_id) or Discord thread id. */
  threadId?: string;
  /** Discord forum channels take one post (thread) per briefing. */
  channelKind?: 'text' | 'forum' | 'group' | 'supergroup' | 'channel' | 'private';
}

/** Why a part could not be sent, classified for the job's decision. */
export type DeliveryFailure =
  /** Never retry: the bot was blocked/kicked, the chat is gone, a permission is missing. Deactivate the subscription. */
  | {
      kind: 'permanent';
      reason: string;
      /**
       * What is refused: the whole destination (default; deactivate the subscription) or only
       * this payload (e.g. Telegram could not parse the renderer's HTML): keep the subscription.
       */
      scope?: 'destination' | 'part';
    }
  /** Telegram group upgraded to a supergroup: resend to the new chat and move the subscription. */
  | { kind: 'moved'; newChatId: string }
  /** Try again later (429 with retry_after, 5xx, timeouts, network). */
  | { kind: 'transient'; reason: string; retryAfterMs?: number };

export class DeliveryError extends Error {
  constructor(
    readonly failure: DeliveryFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Thrown by a `beforeRequest` hook to call a send off; senders let it through unchanged. */
export class SendCancelled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendCancelled';
  }
}

export interface SentPart {
  /** Platform message id, kept for the record (and for editing/threads later). */
  messageId: string;
  /** For a Discord forum post: the thread created by the first part, where later parts go. */
  threadId?: string;
}

/** Where a part stands in its delivery. */
export interface SendContext {
  index: number;
  total: number;
  title: string;
  /**
   * The same for this part of this delivery on every attempt. Discord derives the message's
   * nonce from it, so a part sent again after a crash returns the message already posted.
   */
  idempotencyKey?: string;
  /**
   * Runs once the part's rate-limit slot has come, right before the request: the last moment to
   * call the send off (by throwing SendCancelled), e.g. when the job's lock went to another worker.
   */
  beforeRequest?: () => Promise<void>;
}

/** One platform's sending side. Implementations throw DeliveryError for every failure. */
export interface PlatformSender<Part> {
  readonly platform: PlatformName;
  send(destination: Destination, part: Part, context: SendContext): Promise<SentPart>;
}
