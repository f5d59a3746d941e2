/**
 * Turns what Discord (through discord.js REST) answered into the delivery job's decision: give
 * up on the destination, give up on one payload, or retry later. Giving up early matters on
 * Discord: 10,000 invalid (401/403/429) requests in 10 minutes get the bot's IP banned.
 */
import { DiscordAPIError, HTTPError, PermissionFlagsBits, RateLimitError, RESTJSONErrorCodes } from 'discord.js';
import type { DeliveryFailure } from '../delivery.js';

/** Discord never moves a channel the way Telegram migrates a group, so every failure has a reason. */
export type DiscordFailure = Extract<DeliveryFailure, { reason: string }>;

/** What the sender was doing, so a 50013 can name the permissions that action needs. */
export type DiscordAction = 'message' | 'forum-post' | 'thread-message';

/** A permission as server admins see it in Discord's settings. */
interface NamedPermission {
  flag: bigint;
  name: string;
}

const viewChannel = { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' };
// Without Embed Links Discord refuses embed-only messages and drops the embeds of the others.
const embedLinks = { flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links' };

/** What Herald needs in a channel to deliver a briefing there, per kind of send. */
export const REQUIRED_PERMISSIONS: Record<DiscordAction, readonly NamedPermission[]> = {
  message: [viewChannel, { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages' }, embedLinks],
  // Forums label Send Messages as "Create Posts".
  'forum-post': [viewChannel, { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages (Create Posts)' }, embedLinks],
  'thread-message': [viewChannel, { flag: PermissionFlagsBits.SendMessagesInThreads, name: 'Send Messages in Threads' }, embedLinks],
};

/**
 * The names of the permissions Herald lacks for `action`, given its effective permissions in
 * the channel (e.g. `channel.permissionsFor(guild.members.me).bitfield`); empty when it has all.
 */
export function missingPermissions(granted: bigint, action: DiscordAction): string[] {
  return REQUIRED_PERMISSIONS[action].filter(({ flag }) => (granted & flag) !== flag).map(({ name }) => name);
}

/** "A, B and C". */
export function listPermissions(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Answers that mean the channel (or thread) is unusable for this bot until someone fixes it. */
function destinationRefusal(code: number, channelId: string, action: DiscordAction): string | undefined {
  switch (code) {
    case RESTJSONErrorCodes.MissingAccess:
      return `Missing Access to channel ${channelId}: the bot cannot see it; give Herald's role View Channel there (or re-invite the bot)`;
    case RESTJSONErrorCodes.MissingPermissions:
      return `Missing Permissions in channel ${channelId}: Herald needs ${listPermissions(REQUIRED_PERMISSIONS[action].map(({ name }) => name))} there`;
    case RESTJSONErrorCodes.UnknownChannel:
      return `Unknown Channel ${channelId}: it was deleted, or the bot was removed from the server`;
    case RESTJSONErrorCodes.UnknownGuild:
      return `the server of channel ${channelId} is gone, or the bot was removed from it`;
    case RESTJSONErrorCodes.ThreadLocked:
      return `thread ${channelId} is locked`;
    case RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel:
      return `channel ${channelId} takes no messages (a voice or category channel, or a forum subscribed as a text channel)`;
    case RESTJSONErrorCodes.TagRequiredToCreateAForumPostInThisChannel:
      return `forum ${channelId} requires a tag on every post; turn off "Require tags" in its settings`;
    default:
      return undefined;
  }
}

function classifyApiError(error: DiscordAPIError, channelId: string, action: DiscordAction): DiscordFailure {
  const code = typeof error.code === 'number' ? error.code : Number(error.code);
  const refusal = destinationRefusal(code, channelId, action);
  if (refusal) return { kind: 'permanent', scope: 'destination', reason: refusal };
  // 401 means the token is wrong: every destination would fail alike, so retrying (and
  // dead-lettering) is right, deactivating subscribers is not.
  if (error.status === 401) return { kind: 'transient', reason: `Discord rejected the bot token (${error.message}); check discord.token` };
  if (error.status === 403 || error.status === 404) {
    return { kind: 'permanent', scope: 'destination', reason: `Discord refused channel ${channelId}: ${error.message} (${code})` };
  }
  if (error.status === 400) {
    // The payload's fault (a renderer bug): resending it unchanged can only fail again, and
    // the subscriber should still get later briefings.
    return { kind: 'permanent', scope: 'part', reason: `Discord refused this message: ${error.message} (${code}) ${JSON.stringify(error.rawError)}` };
  }
  return { kind: 'transient', reason: `Discord answered ${error.status}: ${error.message}` };
}

/**
 * Classifies any error thrown by a discord.js REST call made for `channelId`. Never throws;
 * unknown errors are transient so the job retries (and eventually dead-letters) rather than
 * dropping a part.
 */
export function classifyDiscordError(error: unknown, channelId: string, action: DiscordAction): DiscordFailure {
  if (error instanceof DiscordAPIError) return classifyApiError(error, channelId, action);
  if (error instanceof RateLimitError) {
    return { kind: 'transient', reason: `Discord rate limit on ${error.route}${error.global ? ' (global)' : ''}`, retryAfterMs: error.retryAfter };
  }
  if (error instanceof HTTPError) return { kind: 'transient', reason: `Discord answered ${error.status} ${error.message}` };
  return { kind: 'transient', reason: `cannot reach Discord: ${error instanceof Error ? error.message : String(error)}` };
}
