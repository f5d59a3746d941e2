import { ChannelType } from 'discord.js';
import { type ChannelState, type GuildSeed, type Json, permissionsIn, snowflake } from './model.js';
import { type Pings, pingsOf } from './validate.js';

export interface RecordedFile {
  name: string;
  size: number;
  text: string;
}

/** A message the emulator accepted, with the body exactly as received. */
export interface RecordedMessage {
  id: string;
  channelId: string;
  content?: string;
  /** The embeds Discord shows (see embedsDropped); `body.embeds` has them as sent. */
  embeds: Json[];
  /** True when the bot lacked Embed Links, so Discord kept the content and dropped the embeds. */
  embedsDropped: boolean;
  /** `allowed_mentions` exactly as received; undefined when the client sent none (Discord then pings everything). */
  allowedMentions: unknown;
  /** Who this message would have pinged on real Discord. */
  pings: Pings;
  files: RecordedFile[];
  body: Json;
  /** Interaction replies and follow-ups also land in their channel. */
  via: 'channel' | 'forum-post' | 'interaction';
}

export interface InteractionResponse {
  interactionId: string;
  kind: 'callback' | 'followup' | 'edit-original' | 'delete-original';
  /** Callback type (4 reply, 5 deferred, 8 autocomplete result, …); absent for webhook calls. */
  type?: number;
  data: Json;
  ephemeral: boolean;
  files: RecordedFile[];
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  at: number;
}

/** A failure to answer for one channel, the way Discord answers it. */
export type ChannelFailure = 'missing-access' | 'missing-permissions' | 'unknown-channel' | 'server-error';

export interface RateLimitPlan {
  retryAfterMs: number;
  global?: boolean;
  /** How many requests get the 429 (default 1). */
  times?: number;
}

export interface PendingInteraction {
  id: string;
  token: string;
  channelId: string;
  guildId: string;
  /** The member who invoked it. */
  user: Json;
  acknowledged: boolean;
  /** The reply (or deferred placeholder) that `@original` webhooks read, edit and delete. */
  original?: { message: RecordedMessage; ephemeral: boolean };
  waiters: ((response: InteractionResponse) => void)[];
}

/**
 * How long Discord remembers an enforced nonce: "the past few minutes" in its documentation;
 * five here, longer than any takeover or retry a test makes.
 */
const NONCE_WINDOW_MS = 5 * 60_000;

/** Everything the emulator knows and remembers; REST and the gateway both read and write it. */
export class DiscordWorld {
  readonly channels = new Map<string, ChannelState>();
  readonly messagesByChannel = new Map<string, RecordedMessage[]>();
  readonly globalCommands: Json[] = [];
  readonly guildCommands = new Map<string, Json[]>();
  readonly interactions = new Map<string, PendingInteraction>();
  readonly responses: InteractionResponse[] = [];
  readonly requests: RequestRecord[] = [];
  readonly failures = new Map<string, { failure: ChannelFailure; remaining: number }>();
  readonly rateLimits = new Map<string, RateLimitPlan & { remaining: number }>();
  /** Posts still to leave unanswered (see DiscordEmulator.holdResponses). */
  holding?: { remaining: number; resolve: () => void };
  /** Messages created with `enforce_nonce`, by nonce (every REST message here has one author: the bot). */
  private readonly nonces = new Map<string, { message: RecordedMessage; at: number }>();

  constructor(
    readonly guilds: GuildSeed[],
    readonly bot: { id: string; username: string },
    readonly applicationId: string,
  ) {
    for (const guild of guilds) {
      for (const seed of guild.channels) this.channels.set(seed.id, { ...seed, guildId: guild.id, overwrites: seed.overwrites ?? [] });
    }
  }

  guild(id: string): GuildSeed | undefined {
    return this.guilds.find((g) => g.id === id);
  }

  guildOf(channel: ChannelState): GuildSeed {
    const guild = this.guild(channel.guildId);
    if (!guild) throw new Error(`channel ${channel.id} belongs to no known guild`);
    return guild;
  }

  /** A user's permissions in a channel; threads inherit their parent's overwrites. */
  permissions(channel: ChannelState, userId: string): bigint {
    const scope = channel.parentId ? (this.channels.get(channel.parentId) ?? channel) : channel;
    return permissionsIn(this.guildOf(channel), scope, userId);
  }

  botPermissions(channel: ChannelState): bigint {
    return this.permissions(channel, this.bot.id);
  }

  /** Takes one use of a configured failure for this channel, if any. */
  takeFailure(channelId: string): ChannelFailure | undefined {
    const entry = this.failures.get(channelId);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.failures.delete(channelId);
    return entry.failure;
  }

  takeRateLimit(channelId: string): RateLimitPlan | undefined {
    const plan = this.rateLimits.get(channelId);
    if (!plan) return undefined;
    plan.remaining -= 1;
    if (plan.remaining <= 0) this.rateLimits.delete(channelId);
    return plan;
  }

  createThread(parent: ChannelState, name: string, type: ChannelType, id = snowflake()): ChannelState {
    const thread: ChannelState = { id, guildId: parent.guildId, name, type, overwrites: [], parentId: parent.id, ownerId: this.bot.id };
    this.channels.set(id, thread);
    return thread;
  }

  /** A message as it would be stored, without storing it (ephemeral replies are seen by one user only). */
  draftMessage(channelId: string, body: Json, files: RecordedFile[], via: RecordedMessage['via'], id = snowflake()): RecordedMessage {
    return {
      id,
      channelId,
      content: typeof body.content === 'string' ? body.content : undefined,
      embeds: Array.isArray(body.embeds) ? (body.embeds as Json[]) : [],
      embedsDropped: false,
      allowedMentions: body.allowed_mentions,
      pings: pingsOf(body),
      files,
      body,
      via,
    };
  }

  recordMessage(channelId: string, body: Json, files: RecordedFile[], via: RecordedMessage['via'], id = snowflake()): RecordedMessage {
    return this.keep(this.draftMessage(channelId, body, files, via, id));
  }

  /** Stores a drafted message in its channel's record. */
  keep(message: RecordedMessage): RecordedMessage {
    const list = this.messagesByChannel.get(message.channelId) ?? [];
    list.push(message);
    this.messagesByChannel.set(message.channelId, list);
    return message;
  }

  /** Puts an edited message in place of the one with its id. */
  replace(message: RecordedMessage): RecordedMessage {
    const list = this.messagesByChannel.get(message.channelId) ?? [];
    const index = list.findIndex((m) => m.id === message.id);
    if (index >= 0) list[index] = message;
    return message;
  }

  remove(message: RecordedMessage): void {
    const list = this.messagesByChannel.get(message.channelId) ?? [];
    this.messagesByChannel.set(message.channelId, list.filter((m) => m.id !== message.id));
  }

  /** Whether to leave the post just accepted unanswered, counting it against the hold. */
  holdsResponse(): boolean {
    const holding = this.holding;
    if (!holding) return false;
    if (--holding.remaining === 0) {
      this.holding = undefined;
      holding.resolve();
    }
    return true;
  }

  /** The message an enforced nonce already created within NONCE_WINDOW_MS, if any. */
  messageWithNonce(nonce: string): RecordedMessage | undefined {
    const entry = this.nonces.get(nonce);
    return entry && Date.now() - entry.at < NONCE_WINDOW_MS ? entry.message : undefined;
  }

  rememberNonce(nonce: string, message: RecordedMessage): void {
    this.nonces.set(nonce, { message, at: Date.now() });
  }

  /** The message object Discord returns for a recorded message. */
  messagePayload(message: RecordedMessage, flags = 0): Json {
    return {
      id: message.id,
      channel_id: message.channelId,
      type: 0,
      author: { id: this.bot.id, username: this.bot.username, global_name: this.bot.username, discriminator: '0', avatar: null, bot: true },
      content: message.content ?? '',
      embeds: message.embeds,
      attachments: message.files.map((file, index) => ({ id: String(index), filename: file.name, size: file.size, url: `attachment://${file.name}`, proxy_url: `attachment://${file.name}` })),
      components: Array.isArray(message.body.components) ? message.body.components : [],
      mentions: [],
      mention_roles: [],
      mention_everyone: message.pings.everyone,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags,
      ...(message.body.nonce !== undefined && { nonce: message.body.nonce }),
    };
  }

  recordResponse(response: InteractionResponse): void {
    this.responses.push(response);
    const pending = this.interactions.get(response.interactionId);
    for (const waiter of pending?.waiters.splice(0) ?? []) waiter(response);
  }

  commandsFor(guildId?: string): Json[] {
    if (!guildId) return this.globalCommands;
    let list = this.guildCommands.get(guildId);
    if (!list) this.guildCommands.set(guildId, (list = []));
    return list;
  }
}
