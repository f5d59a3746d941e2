/**
 * Posts rendered briefing parts to Discord over discord.js REST: text channels, threads, and
 * forum channels (one post per briefing, later parts inside it).
 */
import { createHash } from 'node:crypto';
import { type APIMessage, type APIThreadChannel, type REST, Routes } from 'discord.js';
import type { DiscordPart } from '../../render/discord.js';
import { DeliveryError, type Destination, type PlatformSender, type SendContext, type SentPart } from '../delivery.js';
import { pacedWindow, type RateBucket, type RedisRateLimiter } from '../rate-limiter.js';
import { classifyDiscordError, type DiscordAction } from './errors.js';

/** Cross-process pacing; a RedisRateLimiter fits. */
export type SendPacer = Pick<RedisRateLimiter, 'send'>;

/**
 * Discord's limits on what Herald posts: 50 requests per second per bot across all of its
 * processes, and 5 messages per 5 seconds into one channel (or thread).
 */
export const DISCORD_PACING = { global: pacedWindow(50, 1000), perChannel: pacedWindow(5, 5000) };

/** The buckets a post into `channelId` counts in. */
export function discordBuckets(channelId: string): RateBucket[] {
  return [
    { key: 'discord:global', ...DISCORD_PACING.global },
    { key: `discord:channel:${channelId}`, ...DISCORD_PACING.perChannel },
  ];
}

/** Discord takes a nonce of at most 25 characters. */
const NONCE_LENGTH = 25;

/**
 * The nonce of a part: derived from its idempotency key, so every attempt at the same part sends
 * the same one. With `enforce_nonce`, Discord answers a repeat within a few minutes with the
 * message already posted instead of posting it again.
 */
export function messageNonce(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, NONCE_LENGTH);
}

/** Discord's limit on a thread (forum post) name. */
export const FORUM_POST_NAME_LIMIT = 100;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The forum post name for a briefing title: one line, at most 100 characters (code points, as
 * Discord counts), cut between graphemes so an emoji or accent is never split, ellipsis added.
 */
export function forumPostName(title: string): string {
  const line = title.replace(/\s+/g, ' ').trim() || 'Briefing';
  if ([...line].length <= FORUM_POST_NAME_LIMIT) return line;
  let name = '';
  let length = 0;
  for (const { segment } of graphemes.segment(line)) {
    const size = [...segment].length;
    if (length + size > FORUM_POST_NAME_LIMIT - 1) break;
    name += segment;
    length += size;
  }
  return `${name.trimEnd()}…`;
}

export interface DiscordSenderOptions {
  /** A discord.js REST client with the token set (see createDiscordRest). */
  rest: REST;
  /** Paces every post to Discord's limits (DISCORD_PACING) across worker processes. */
  pacer?: SendPacer;
}

/**
 * Sends one part per call. Forum destinations: the first part (index 0) creates the post named
 * after the briefing title and returns its thread id; the delivery job passes that id back as
 * `destination.threadId` for the later parts, which then go into the post. Messages carry a
 * nonce from the context's idempotency key; a forum post cannot (Discord's thread creation
 * takes none), so only a post's first part can be posted twice after a crash.
 */
export class DiscordSender implements PlatformSender<DiscordPart> {
  readonly platform = 'discord' as const;

  constructor(private readonly options: DiscordSenderOptions) {}

  async send(destination: Destination, part: DiscordPart, context: SendContext): Promise<SentPart> {
    // Forced whatever the part says: feed text must never ping @everyone, @here, users or roles.
    const body = { ...part, allowed_mentions: { parse: [] } };
    const once = context.idempotencyKey === undefined ? {} : { nonce: messageNonce(context.idempotencyKey), enforce_nonce: true };
    const startsForumPost = destination.channelKind === 'forum' && destination.threadId === undefined;
    if (startsForumPost && context.index > 0) {
      throw new Error(`forum part ${context.index + 1} of ${context.total} for channel ${destination.chatId} has no threadId: pass the first part's SentPart.threadId`);
    }
    const channelId = destination.threadId ?? destination.chatId;
    const action: DiscordAction = startsForumPost ? 'forum-post' : destination.threadId ? 'thread-message' : 'message';
    const post = async (): Promise<SentPart> => {
      await context.beforeRequest?.();
      try {
        if (startsForumPost) {
          const created = (await this.options.rest.post(Routes.threads(channelId), { body: { name: forumPostName(context.title), message: body } })) as APIThreadChannel & { message?: APIMessage };
          return { messageId: created.message?.id ?? created.id, threadId: created.id };
        }
        const message = (await this.options.rest.post(Routes.channelMessages(channelId), { body: { ...body, ...once } })) as APIMessage;
        return destination.threadId ? { messageId: message.id, threadId: destination.threadId } : { messageId: message.id };
      } catch (error) {
        const failure = classifyDiscordError(error, channelId, action);
        throw new DeliveryError(failure, `discord ${action} to ${channelId} failed: ${failure.reason}`);
      }
    };
    return this.options.pacer ? this.options.pacer.send(discordBuckets(channelId), post) : post();
  }
}
