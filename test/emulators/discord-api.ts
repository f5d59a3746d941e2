import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway } from './discord-api/gateway.js';
import { BotLimits, RouteBuckets, type SlidingLimit } from './discord-api/http.js';
import { type AutocompleteInvocation, buildComponentInteraction, buildInteraction, type CommandInvocation, type ComponentInvocation } from './discord-api/interactions.js';
import { channelPayload, defaultGuild, defaultIds, type GuildSeed, type Json, type OverwriteSeed } from './discord-api/model.js';
import { createRestHandler } from './discord-api/rest.js';
import { Stall } from './stall.js';
import { type ChannelFailure, DiscordWorld, type InteractionResponse, type RateLimitPlan, type RecordedMessage, type RequestRecord } from './discord-api/state.js';

export { defaultGuild, defaultIds, botRolePermissions } from './discord-api/model.js';
export type { ChannelSeed, GuildSeed, MemberSeed, OverwriteSeed, RoleSeed } from './discord-api/model.js';
export type { AutocompleteInvocation, CommandInvocation, ComponentInvocation, OptionValue } from './discord-api/interactions.js';
export type { ChannelFailure, InteractionResponse, RateLimitPlan, RecordedMessage, RequestRecord } from './discord-api/state.js';
export type { Pings } from './discord-api/validate.js';

export interface DiscordEmulatorOptions {
  /** The bot token clients must present (`Authorization: Bot …` and IDENTIFY). */
  token?: string;
  /** Default: one guild, see defaultGuild()/defaultIds. */
  guilds?: GuildSeed[];
  /** Per-route bucket: answers 429 beyond `limit` requests per `windowMs`. Default 50 per second. */
  routeLimit?: { limit: number; windowMs: number };
  /** Requests per bot across all routes, interaction callbacks and webhooks exempt. Default Discord's: 50 per second. */
  globalLimit?: SlidingLimit;
  /** Messages into one channel or thread. Default Discord's: 5 per 5 seconds. */
  channelMessageLimit?: SlidingLimit;
  heartbeatIntervalMs?: number;
  /** Listen on this port (default: a free one), e.g. where a client was pointed before the emulator ran. */
  port?: number;
}

/** A local Discord (REST + gateway) that the real discord.js talks to; everything it receives is recorded. */
export interface DiscordEmulator {
  /** REST base for discord.js: `http://127.0.0.1:PORT/api`. */
  apiBase: string;
  gatewayUrl: string;
  token: string;
  applicationId: string;
  botUserId: string;
  /** Messages accepted in a channel or thread, oldest first. */
  messages(channelId: string): RecordedMessage[];
  /** Threads (forum posts included) created under a channel, oldest first. */
  threads(parentId: string): { id: string; name: string }[];
  /** Registered application commands: global, or for one guild. */
  commands(guildId?: string): Json[];
  /** Every REST request with the status it got, oldest first. */
  requests(): RequestRecord[];
  /** Callbacks and follow-ups of one interaction, oldest first. */
  interactionResponses(interactionId: string): InteractionResponse[];
  /** Answers requests on a channel with this failure, `times` times (default: until cleared with `undefined`). */
  failChannel(channelId: string, failure: ChannelFailure | undefined, times?: number): void;
  /** The next request(s) on a channel get a 429 with this retry_after. */
  rateLimitNext(channelId: string, plan: RateLimitPlan): void;
  /**
   * Accepts the next `count` posts to a channel or forum (default 1) but never answers those
   * requests, as when the connection drops just after Discord took them. Resolves once accepted.
   */
  holdResponses(count?: number): Promise<void>;
  /** Replaces a channel's permission overwrites and tells connected clients (CHANNEL_UPDATE). */
  setOverwrites(channelId: string, overwrites: OverwriteSeed[]): void;
  /** Deletes a channel (later requests get 404 Unknown Channel) and tells connected clients (CHANNEL_DELETE). */
  deleteChannel(channelId: string): void;
  /** Asks connected clients to reconnect (op 7); they resume their sessions. */
  requestReconnect(): void;
  /** Successful gateway handshakes so far. */
  handshakes(): { identified: number; resumed: number };
  /** Resolves once a client has identified on the gateway (READY and GUILD_CREATE sent). */
  identified(): Promise<void>;
  /** Sends any gateway event to every identified client. */
  dispatch(event: string, data: Json): void;
  /** Dispatches INTERACTION_CREATE for a slash command and resolves with the bot's first response to it. */
  invokeCommand(invocation: CommandInvocation, timeoutMs?: number): Promise<{ interactionId: string; response: InteractionResponse }>;
  /** Dispatches an autocomplete interaction and resolves with the choices the bot answered. */
  autocomplete(invocation: AutocompleteInvocation, timeoutMs?: number): Promise<{ name: string; value: string | number }[]>;
  /** Dispatches a click on a button (or a pick in a select menu) of a recorded message and resolves with the bot's first response. */
  clickComponent(invocation: ComponentInvocation, timeoutMs?: number): Promise<{ interactionId: string; response: InteractionResponse }>;
  /** A message as it stands now (after edits). */
  message(channelId: string, messageId: string): RecordedMessage | undefined;
  /** Waits until an interaction has at least `count` responses (callback, follow-ups, edits). */
  waitForResponses(interactionId: string, count: number, timeoutMs?: number): Promise<InteractionResponse[]>;
  /** Leaves every REST request unanswered, as an overloaded Discord would, until the returned function is called. */
  stall(): () => void;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Discord's published limits on a bot, enforced unless a test sets others. */
export const DISCORD_LIMITS = { global: { limit: 50, windowMs: 1000 }, channelMessages: { limit: 5, windowMs: 5000 } } as const satisfies Record<string, SlidingLimit>;

/** Starts the emulator on 127.0.0.1 and a free port. */
export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const token = options.token ?? 'emulator-bot-token';
  const guilds = options.guilds ?? [defaultGuild()];
  const botMember = guilds.flatMap((g) => g.members).find((m) => m.bot);
  const bot = { id: botMember?.id ?? defaultIds.bot, username: botMember?.username ?? 'Herald' };
  const world = new DiscordWorld(guilds, bot, bot.id);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
  const gateway = new Gateway({ world, token, url: gatewayUrl, heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250 });
  const rest = createRestHandler({ world, token, gatewayUrl, buckets: new RouteBuckets(options.routeLimit ?? { limit: 50, windowMs: 1000 }),
    limits: new BotLimits({ global: options.globalLimit ?? DISCORD_LIMITS.global, channelMessages: options.channelMessageLimit ?? DISCORD_LIMITS.channelMessages }),
  });
  const stalled = new Stall();
  server.on('request', (req, res) => void stalled.passed().then(() => rest(req, res)));
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/gateway')) {
      socket.destroy();
      return;
    }
    gateway.server.handleUpgrade(req, socket, head, (ws) => gateway.server.emit('connection', ws, req));
  });

  const waitForResponses = (interactionId: string, count: number, timeoutMs = DEFAULT_TIMEOUT_MS) =>
    new Promise<InteractionResponse[]>((resolve, reject) => {
      const pending = world.interactions.get(interactionId);
      if (!pending) throw new Error(`unknown interaction ${interactionId}`);
      const current = () => world.responses.filter((r) => r.interactionId === interactionId);
      const timer = setTimeout(() => reject(new Error(`interaction ${interactionId}: ${current().length} of ${count} responses after ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (current().length >= count) {
          clearTimeout(timer);
          resolve(current());
        } else {
          pending.waiters.push(check);
        }
      };
      check();
    });

  const existingChannel = (channelId: string) => {
    const channel = world.channels.get(channelId);
    if (!channel) throw new Error(`unknown channel ${channelId} in the emulator`);
    return channel;
  };

  const dispatchInteraction = async (invocation: CommandInvocation, kind: 'command' | 'autocomplete', timeoutMs: number, focused?: string) => {
    const { payload, pending } = buildInteraction(world, invocation, kind, focused);
    if (gateway.dispatch('INTERACTION_CREATE', payload) === 0) throw new Error('no client is connected to the emulator gateway');
    const [response] = await waitForResponses(pending.id, 1, timeoutMs);
    return { interactionId: pending.id, response: response as InteractionResponse };
  };

  return {
    apiBase: `http://127.0.0.1:${port}/api`,
    gatewayUrl,
    token,
    applicationId: world.applicationId,
    botUserId: bot.id,
    messages: (channelId) => [...(world.messagesByChannel.get(channelId) ?? [])],
    threads: (parentId) => [...world.channels.values()].filter((c) => c.parentId === parentId).map((c) => ({ id: c.id, name: c.name })),
    commands: (guildId) => [...world.commandsFor(guildId)],
    requests: () => [...world.requests],
    interactionResponses: (interactionId) => world.responses.filter((r) => r.interactionId === interactionId),
    failChannel(channelId, failure, times = Number.POSITIVE_INFINITY) {
      if (failure) world.failures.set(channelId, { failure, remaining: times });
      else world.failures.delete(channelId);
    },
    rateLimitNext(channelId, plan) {
      world.rateLimits.set(channelId, { ...plan, remaining: plan.times ?? 1 });
    },
    holdResponses: (count = 1) =>
      new Promise<void>((resolve) => {
        world.holding = { remaining: count, resolve };
      }),
    setOverwrites(channelId, overwrites) {
      const channel = existingChannel(channelId);
      channel.overwrites = overwrites;
      gateway.dispatch('CHANNEL_UPDATE', channelPayload(channel));
    },
    deleteChannel(channelId) {
      const channel = existingChannel(channelId);
      world.channels.delete(channelId);
      gateway.dispatch(channel.parentId ? 'THREAD_DELETE' : 'CHANNEL_DELETE', channelPayload(channel));
    },
    requestReconnect: () => gateway.requestReconnect(),
    handshakes: () => ({ ...gateway.handshakes }),
    identified: () => gateway.identified(),
    dispatch: (event, data) => void gateway.dispatch(event, data),
    invokeCommand: (invocation, timeoutMs = DEFAULT_TIMEOUT_MS) => dispatchInteraction(invocation, 'command', timeoutMs),
    async autocomplete(invocation, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const { response } = await dispatchInteraction(invocation, 'autocomplete', timeoutMs, invocation.focused);
      return (response.data.choices ?? []) as { name: string; value: string | number }[];
    },
    async clickComponent(invocation, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const { payload, pending } = buildComponentInteraction(world, invocation);
      if (gateway.dispatch('INTERACTION_CREATE', payload) === 0) throw new Error('no client is connected to the emulator gateway');
      const [response] = await waitForResponses(pending.id, 1, timeoutMs);
      return { interactionId: pending.id, response: response as InteractionResponse };
    },
    message: (channelId, messageId) => world.messagesByChannel.get(channelId)?.find((m) => m.id === messageId),
    waitForResponses,
    stall: () => stalled.begin(),
    async close() {
      stalled.lift();
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
